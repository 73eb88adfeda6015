package delivery

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestSendsStartBelowTheNumbersRate: a number allowed 50 messages a second has its sends'
// turns reserved at 48, one at a time; a change of the number's rate takes effect at once.
func TestSendsStartBelowTheNumbersRate(t *testing.T) {
	s := &Sender{}
	l := s.pace("+18005550100", 50).limiter
	if l.Limit() != rate.Limit(48) || l.Burst() != 1 {
		t.Errorf("limiter for 50 a second: %v a second, burst %d; want 48, 1", l.Limit(), l.Burst())
	}
	if l = s.pace("+18005550100", 25).limiter; l.Limit() != rate.Limit(24) {
		t.Errorf("after the rate changed to 25: %v a second, want 24", l.Limit())
	}
}

// TestSendsHeldUpTogetherNeverPassTheRate: sends whose turns came while they were held up
// (a busy instance) start together; however many, no more than the number's rate start in
// any second, so the carrier, counting arrivals, never sees more.
func TestSendsHeldUpTogetherNeverPassTheRate(t *testing.T) {
	const mps, held = 10, 25
	p := (&Sender{}).pace("+18005550100", mps)
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	for range held {
		wg.Go(func() {
			if err := p.start(context.Background()); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			starts = append(starts, time.Now())
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	for i := mps; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-mps]); gap < time.Second {
			t.Fatalf("sends %d to %d started within %v: %d in under a second at %d a second", i-mps+1, i+1, gap, mps+1, mps)
		}
	}
	if first := starts[mps-1].Sub(starts[0]); first > 500*time.Millisecond {
		t.Errorf("the first %d held-up sends took %v to start: the window held back sends within the rate", mps, first)
	}
}
