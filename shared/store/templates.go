package store

import (
	"context"
	"fmt"

	"github.com/smsdesk/smsdesk/shared/config"
)

// Template returns an outbound template in a language. It is cached as lines are: a bulk send
// fills the same template for each of its recipients. A template that does not exist is not
// cached, so one added a moment later is found.
func (s *Store) Template(ctx context.Context, id, lang string) (config.Template, error) {
	key := id + "_" + lang
	if err := checkID("template", key); err != nil {
		return config.Template{}, fmt.Errorf("template %q in %q: %w", id, lang, err)
	}
	t, err := fromCache(s, func() map[string]cached[config.Template] { return s.templates }, key, "template "+key,
		func() (config.Template, error) { return s.readTemplate(ctx, key) })
	if err != nil {
		return config.Template{}, fmt.Errorf("template %q in %q: %w", id, lang, err)
	}
	return t, nil
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
