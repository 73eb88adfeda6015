package store

import (
	"context"
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/phone"
)

// knownNumber is a cached answer of BusinessNumber.
type knownNumber struct {
	ours bool
	at   time.Time
}

// BusinessNumber reports whether number is one of the business's configured numbers. The
// inbound webhook asks it for every text, so both answers are cached as briefly as lines
// are; a number that cannot be a business number is refused without a read.
func (s *Store) BusinessNumber(ctx context.Context, number string) (bool, error) {
	if !phone.ValidBusinessNumber(number) {
		return false, nil
	}
	s.mu.Lock()
	k, ok := s.known[number]
	if l, cached := s.lines[number]; !ok && cached && time.Since(l.at) < s.ttl {
		k, ok = knownNumber{ours: true, at: l.at}, true
	}
	s.mu.Unlock()
	if ok && time.Since(k.at) < s.ttl {
		return k.ours, nil
	}
	v, err, _ := s.loads.Do("number "+number, func() (any, error) {
		s.mu.Lock()
		gen := s.gen
		k, ok := s.known[number]
		s.mu.Unlock()
		if ok && time.Since(k.at) < s.ttl {
			return k.ours, nil // a load that finished after the look above cached it
		}
		snap, err := s.fs.Collection(colNumbers).Doc(number).Get(ctx)
		if err != nil && !isNotFound(err) {
			return false, fmt.Errorf("read number %s: %w", number, err)
		}
		ours := err == nil && snap.Exists()
		s.mu.Lock()
		if s.gen == gen {
			s.known[number] = knownNumber{ours: ours, at: time.Now()}
		}
		s.mu.Unlock()
		return ours, nil
	})
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// forgetConfigLocked drops the cached configuration after a change made through this store.
// s.mu must be held.
func (s *Store) forgetConfigLocked() {
	s.gen++
	s.settings = cachedSettings{}
	s.lines = map[string]cachedLine{}
	s.templates = map[string]cachedTemplate{}
	s.known = map[string]knownNumber{}
}
