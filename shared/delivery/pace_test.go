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
// turns reserved at 49, one at a time; a change of the number's rate takes effect at once.
func TestSendsStartBelowTheNumbersRate(t *testing.T) {
	s := &Sender{}
	l := s.pace("+18005550100", 50).limiter
	if l.Limit() != rate.Limit(49) || l.Burst() != 1 {
		t.Errorf("limiter for 50 a second: %v a second, burst %d; want 49, 1", l.Limit(), l.Burst())
	}
	if l = s.pace("+18005550100", 25).limiter; l.Limit() != rate.Limit(24.5) {
		t.Errorf("after the rate changed to 25: %v a second, want 24.5", l.Limit())
	}
}

// TestArrivalsNeverPassTheRateHoweverLongSendsTakeToArrive: sends held up together (a busy
// instance) start together, and the first of them take 150 ms to reach the carrier (a stalled
// connection) while the later ones arrive at once. The carrier counts arrivals: no second
// may hold more than the number's rate of them, and the sends within the rate start at once.
func TestArrivalsNeverPassTheRateHoweverLongSendsTakeToArrive(t *testing.T) {
	const mps, held = 10, 30
	const stall = 150 * time.Millisecond
	p := (&Sender{}).pace("+18005550100", mps)
	var mu sync.Mutex
	var starts, arrivals []time.Time
	var wg sync.WaitGroup
	for range held {
		wg.Go(func() {
			finish, err := p.start(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			defer finish()
			mu.Lock()
			starts = append(starts, time.Now())
			slow := len(starts) <= mps
			mu.Unlock()
			if slow {
				time.Sleep(stall)
			}
			mu.Lock()
			arrivals = append(arrivals, time.Now())
			mu.Unlock()
			time.Sleep(time.Millisecond) // the carrier's answer on its way back
		})
	}
	wg.Wait()
	sortTimes(starts)
	sortTimes(arrivals)
	for i := mps; i < len(arrivals); i++ {
		if gap := arrivals[i].Sub(arrivals[i-mps]); gap < time.Second {
			t.Fatalf("sends %d to %d reached the carrier within %v: %d in under a second at %d a second", i-mps+1, i+1, gap, mps+1, mps)
		}
	}
	if first := starts[mps-1].Sub(starts[0]); first > 100*time.Millisecond {
		t.Errorf("the first %d held-up sends took %v to start: the window held back sends within the rate", mps, first)
	}
}

// TestASendWithoutAnAnswerHoldsTheWindow: while a send waits for the carrier's answer, the
// send the rate's count after it does not start, since the carrier may count the first at
// any moment until it answers; it starts a second after the answer.
func TestASendWithoutAnAnswerHoldsTheWindow(t *testing.T) {
	p := (&Sender{}).pace("+18005550100", 1)
	finish, err := p.start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if _, err := p.start(ctx); err == nil {
		t.Fatal("a second send started while the first, at 1 a second, still had no answer")
	}
	finish()
	answered := time.Now()
	if _, err := p.start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(answered); waited < time.Second {
		t.Errorf("the next send started %v after the answer; want a second", waited)
	}
}

func sortTimes(ts []time.Time) { slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) }) }
