package store

import "time"

// cached is a piece of configuration and when it was read.
type cached[T any] struct {
	v  T
	at time.Time
}

// fromCache answers key from the cache that in returns (s.mu held: a change through the store
// replaces the caches) when its entry is younger than the store's ttl. Otherwise read runs once
// for all the callers that miss it at once (flight names it), and what it read is kept unless
// a change through this store came meanwhile: a read begun before a change may hold what the
// change replaced.
func fromCache[T any](s *Store, in func() map[string]cached[T], key, flight string, read func() (T, error)) (T, error) {
	look := func() (T, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		c, ok := in()[key]
		return c.v, ok && time.Since(c.at) < s.ttl
	}
	if v, ok := look(); ok {
		return v, nil
	}
	got, err, _ := s.loads.Do(flight, func() (any, error) {
		if v, ok := look(); ok {
			return v, nil // a read that finished after the look above kept it
		}
		s.mu.Lock()
		gen := s.gen
		s.mu.Unlock()
		v, err := read()
		if err != nil {
			return v, err
		}
		s.mu.Lock()
		if s.gen == gen {
			in()[key] = cached[T]{v: v, at: time.Now()}
		}
		s.mu.Unlock()
		return v, nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return got.(T), nil
}
