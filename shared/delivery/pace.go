package delivery

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// PaceShare is the share of a number's rate the sender reserves sends at: a little under the
// rate, so that the window (below) seldom has to hold a send back, since sends it holds start
// together when it lets them go.
const PaceShare = 0.98

// DefaultMPS is the sending rate of a number whose configuration gives none: the floor of
// low-volume 10DLC campaigns, safe on any registration.
const DefaultMPS = 1

// pace holds one sending number to its rate in two ways. The limiter spaces the sends'
// reserved turns evenly (the claim names the turn). The window makes the rate a guarantee at
// the carrier, which counts arrivals: a send starts only once the send the rate's count
// before it has had its answer a second ago. The carrier counted that one before it answered
// and counts this one after it starts, so no second holds more arrivals than the rate
// allows, however long either spent on the way (a busy instance, a slow claim commit, a
// stalled connection or carrier).
type pace struct {
	limiter *rate.Limiter

	mu    sync.Mutex
	slots []*slot // the last len(slots) sends, a ring
	next  int     // the oldest send's slot, the one the next send takes
}

// slot is one send in the window: done is closed when its call to the carrier has its
// answer (or has failed), at end.
type slot struct {
	done chan struct{}
	end  time.Time
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

// setRate sets the limiter to PaceShare of mps and the window to mps sends (at least one).
// A new window forgets the sends in flight: a rate change is rare, and the limiter still
// spaces the turns.
func (p *pace) setRate(mps float64) {
	if l := rate.Limit(mps * PaceShare); p.limiter.Limit() != l {
		p.limiter.SetLimit(l)
	}
	n := max(1, int(math.Floor(mps)))
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.slots) != n {
		p.slots, p.next = make([]*slot, n), 0
	}
}

// start waits until the send the window's count before this one has had its answer a second
// ago, and takes its slot. The caller calls finish once its call to the carrier has its
// answer or has failed; until then, the send the window's count after it waits.
func (p *pace) start(ctx context.Context) (finish func(), err error) {
	for {
		p.mu.Lock()
		prev := p.slots[p.next]
		if prev != nil && prev.end.IsZero() {
			p.mu.Unlock()
			select {
			case <-prev.done:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		now := time.Now()
		if prev != nil {
			if wait := prev.end.Add(time.Second).Sub(now); wait > 0 {
				p.mu.Unlock()
				if err := waitUntil(ctx, now.Add(wait)); err != nil {
					return nil, err
				}
				continue
			}
		}
		s := &slot{done: make(chan struct{})}
		p.slots[p.next] = s
		p.next = (p.next + 1) % len(p.slots)
		p.mu.Unlock()
		var once sync.Once
		return func() {
			once.Do(func() {
				p.mu.Lock()
				s.end = time.Now()
				p.mu.Unlock()
				close(s.done)
			})
		}, nil
	}
}
