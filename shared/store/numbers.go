package store

import (
	"context"
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/phone"
)

// BusinessNumber reports whether number is one of the business's configured numbers. The
// inbound webhook asks it for every text, so both answers are cached as briefly as lines
// are; a number that cannot be a business number is refused without a read.
func (s *Store) BusinessNumber(ctx context.Context, number string) (bool, error) {
	if !phone.ValidBusinessNumber(number) {
		return false, nil
	}
	s.mu.Lock()
	l, lined := s.lines[number]
	s.mu.Unlock()
	if lined && time.Since(l.at) < s.ttl {
		return true, nil // its line is cached: it is ours
	}
	return fromCache(s, func() map[string]cached[bool] { return s.known }, number, "number "+number, func() (bool, error) {
		snap, err := s.fs.Collection(colNumbers).Doc(number).Get(ctx)
		if err != nil && !isNotFound(err) {
			return false, fmt.Errorf("read number %s: %w", number, err)
		}
		return err == nil && snap.Exists(), nil
	})
}

// forgetConfigLocked drops the cached configuration after a change made through this store.
// s.mu must be held.
func (s *Store) forgetConfigLocked() {
	s.gen++
	s.settings = cachedSettings{}
	s.lines = map[string]cached[config.Line]{}
	s.templates = map[string]cached[config.Template]{}
	s.known = map[string]cached[bool]{}
}
