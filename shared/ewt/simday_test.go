package ewt

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// TestSimulatedDay runs a day of chats through a queue served first come, first served by
// agents of limited concurrency, estimates each chat's wait as it arrives (from the state a
// deployment would load), and compares the estimate with the wait the chat then had.
func TestSimulatedDay(t *testing.T) {
	const (
		nAgents  = 5
		capacity = 2
		meanAHT  = 8 * time.Minute
	)
	rng := rand.New(rand.NewPCG(15, 2026))
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	end := start.Add(10 * time.Hour)
	// Arrivals: a midday peak above what the agents handle (1.25 a minute), below it else.
	rate := func(at time.Time) float64 { // chats per minute
		h := at.Sub(start).Hours()
		switch {
		case h >= 3 && h < 5:
			return 1.5
		default:
			return 1.0
		}
	}
	busyUntil := make([]time.Time, nAgents*capacity) // slot → time it frees
	type ended struct {
		at     time.Time
		handle time.Duration
	}
	var done []ended
	var queue []time.Time // chats waiting (queued at), first in, first out
	assignedAt := map[time.Time]time.Time{}
	var waited time.Duration
	var absErr, bias, n float64
	var over2min int
	var errs []float64
	for at := start; at.Before(end); {
		at = at.Add(time.Duration(rng.ExpFloat64() / rate(at) * float64(time.Minute)))
		// Slot state at arrival: the queue drains as slots free (first in, first out).
		sort.Slice(busyUntil, func(i, j int) bool { return busyUntil[i].Before(busyUntil[j]) })
		// Handle times of the chats ended in the last hour, as a deployment would read them.
		var handles []time.Duration
		for _, d := range done {
			if d.at.After(at.Add(-Window)) && !d.at.After(at) {
				handles = append(handles, d.handle)
			}
		}
		// Waiting now: the chats whose assignment lies in the future.
		var waitingNow []Waiting
		for _, q := range queue {
			waitingNow = append(waitingNow, Waiting{QueuedAt: q})
		}
		ag := make([]Agent, nAgents)
		for i := range ag {
			f := 0
			for s := range capacity {
				if !busyUntil[i*capacity+s].After(at) {
					f++
				}
			}
			ag[i] = Agent{Online: true, Capacity: capacity, Free: f, Queues: 1}
		}
		est := For(Queue{Agents: ag, Queued: waitingNow, HandleTimes: handles}, 0, at)
		// The chat takes the earliest slot to free (FIFO: every chat before it already took one).
		sort.Slice(busyUntil, func(i, j int) bool { return busyUntil[i].Before(busyUntil[j]) })
		assigned := busyUntil[0]
		if assigned.Before(at) {
			assigned = at
		}
		handle := time.Duration(rng.ExpFloat64() * float64(meanAHT))
		busyUntil[0] = assigned.Add(handle)
		done = append(done, ended{at: assigned.Add(handle), handle: handle})
		queue = append(queue, at)
		queue = pending(queue, assignedAt, at, assigned)
		actual := assigned.Sub(at)
		waited += actual
		e := (est.Wait - MessageAllowance - actual).Seconds()
		absErr += math.Abs(e)
		bias += e
		errs = append(errs, math.Abs(e))
		if math.Abs(e) > 120 {
			over2min++
		}
		n++
	}
	sort.Float64s(errs)
	mae, p90 := absErr/n, errs[int(0.9*float64(len(errs)))]
	t.Logf("simulated day: %d chats, %d agents × %d chats, AHT %s, mean actual wait %s: mean absolute error %.0f s, mean error %+.0f s, 90th percentile %.0f s, %.0f%% off by over 2 minutes",
		int(n), nAgents, capacity, meanAHT, (waited / time.Duration(n)).Round(time.Second), mae, bias/n, p90, 100*float64(over2min)/n)
	if mae > 180 || math.Abs(bias/n) > 120 {
		t.Errorf("the estimate is off: mean absolute error %.0f s, mean error %+.0f s", mae, bias/n)
	}
}

// pending records when the chat queued at at is assigned, and keeps the chats of queue not
// yet assigned at now.
func pending(queue []time.Time, when map[time.Time]time.Time, at, assigned time.Time) []time.Time {
	when[at] = assigned
	var out []time.Time
	for _, q := range queue {
		if when[q].After(at) {
			out = append(out, q)
		}
	}
	return out
}
