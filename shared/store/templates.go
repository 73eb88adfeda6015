package store

import (
	"context"
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

type cachedTemplate struct {
	t  config.Template
	at time.Time
}

// Template returns an outbound template in a language. It is cached as lines are: a bulk send
// fills the same template for each of its recipients. A template that does not exist is not
// cached, so one added a moment later is found.
func (s *Store) Template(ctx context.Context, id, lang string) (config.Template, error) {
	key := id + "_" + lang
	if err := checkID("template", key); err != nil {
		return config.Template{}, fmt.Errorf("template %q in %q: %w", id, lang, err)
	}
	s.mu.Lock()
	c, ok := s.templates[key]
	s.mu.Unlock()
	if ok && time.Since(c.at) < s.ttl {
		return c.t, nil
	}
	v, err, _ := s.loads.Do("template "+key, func() (any, error) {
		s.mu.Lock()
		c, ok := s.templates[key]
		gen := s.gen
		s.mu.Unlock()
		if ok && time.Since(c.at) < s.ttl {
			return c.t, nil
		}
		t, err := s.readTemplate(ctx, key)
		if err != nil {
			return t, err
		}
		s.mu.Lock()
		if s.gen == gen {
			s.templates[key] = cachedTemplate{t: t, at: time.Now()}
		}
		s.mu.Unlock()
		return t, nil
	})
	if err != nil {
		return config.Template{}, fmt.Errorf("template %q in %q: %w", id, lang, err)
	}
	return v.(config.Template), nil
}

func (s *Store) readTemplate(ctx context.Context, key string) (config.Template, error) {
	var t config.Template
	snap, err := s.fs.Collection(colTemplates).Doc(key).Get(ctx)
	if isNotFound(err) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("read: %w", err)
	}
	return t, snap.DataTo(&t)
}
