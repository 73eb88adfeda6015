package delivery

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// PaceShare is the share of a number's rate the sender reserves sends at; the rest is the
// room the start window (below) needs to absorb sends that were held up and start together.
const PaceShare = 0.96

// DefaultMPS is the sending rate of a number whose configuration gives none: the floor of
// low-volume 10DLC campaigns, safe on any registration.
const DefaultMPS = 1

// startGuard widens the start window beyond a second by the spread of the time from a send's
// start to the carrier counting it (building the request, the connection, the carrier's own
// clock), so that a second of arrivals never holds more than a second of starts.
const startGuard = 40 * time.Millisecond

// pace holds one sending number to its rate in two ways. The limiter spaces the sends'
// reserved turns evenly (the claim names the turn); the start window counts the sends as
// they actually start, since a send can start late (a busy instance, a slow claim commit)
// and sends held up together would otherwise reach the carrier together: the carrier counts
// arrivals, and never more than the rate may arrive in any second.
type pace struct {
	limiter *rate.Limiter

	mu     sync.Mutex
	starts []time.Time // the last len(starts) sends' starts, a ring
	next   int         // the oldest start, where the next is written
}

// pace is the sending number's pace at mps messages a second (DefaultMPS when unset); a
// change of the rate takes effect at once.
func (s *Sender) pace(number string, mps float64) *pace {
	if mps <= 0 {
		mps = DefaultMPS
	}
	v, ok := s.paces.Load(number)
	if !ok {
		v, _ = s.paces.LoadOrStore(number, &pace{limiter: rate.NewLimiter(rate.Limit(mps*PaceShare), 1)})
	}
	p := v.(*pace)
	p.setRate(mps)
	return p
}

// setRate sets the limiter to PaceShare of mps and the window to mps starts (at least one).
func (p *pace) setRate(mps float64) {
	if l := rate.Limit(mps * PaceShare); p.limiter.Limit() != l {
		p.limiter.SetLimit(l)
	}
	n := max(1, int(math.Floor(mps)))
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.starts) != n {
		p.starts, p.next = make([]time.Time, n), 0
	}
}

// start waits until a send may start now without more than the window's count starting in
// any second (plus startGuard), and counts it.
func (p *pace) start(ctx context.Context) error {
	for {
		p.mu.Lock()
		now := time.Now()
		wait := p.starts[p.next].Add(time.Second + startGuard).Sub(now)
		if wait <= 0 {
			p.starts[p.next] = now
			p.next = (p.next + 1) % len(p.starts)
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		if err := waitUntil(ctx, now.Add(wait)); err != nil {
			return err
		}
	}
}
