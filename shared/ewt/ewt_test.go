package ewt

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func agents(n, capacity, free, queues int) []Agent {
	var out []Agent
	for range n {
		out = append(out, Agent{Online: true, Capacity: capacity, Free: free, Queues: queues})
	}
	return out
}

func waiting(n, priority int) []Waiting {
	var out []Waiting
	for i := range n {
		out = append(out, Waiting{Priority: priority, QueuedAt: t0.Add(-time.Duration(n-i) * time.Minute)})
	}
	return out
}

func TestKnownAnswers(t *testing.T) {
	six := []time.Duration{4 * time.Minute, 8 * time.Minute} // AHT 6 min
	for _, c := range []struct {
		name     string
		q        Queue
		priority int
		position int
		wait     time.Duration
	}{
		// A free agent takes it at once: only the messages' allowance.
		{"free agent", Queue{Agents: agents(1, 1, 1, 1), HandleTimes: six}, 0, 1, 10 * time.Second},
		// A free agent who also serves another queue takes it at once too.
		{"free shared agent", Queue{Agents: agents(1, 1, 1, 2), HandleTimes: six}, 0, 1, 10 * time.Second},
		// 2 agents × 3 chats = 6 slots all busy, 2 waiting: 3 completions of 6 slots × 6 min.
		{"all busy, two ahead", Queue{Agents: agents(2, 3, 0, 1), Queued: waiting(2, 0), HandleTimes: six}, 0, 3, 3*time.Minute + 10*time.Second},
		// Agents serving two queues count half: 2 × 3 × ½ = 3 slots, 3 completions: 6 min.
		{"shared agents count in part", Queue{Agents: agents(2, 3, 0, 2), Queued: waiting(2, 0), HandleTimes: six}, 0, 3, 6*time.Minute + 10*time.Second},
		// Waiting chats of a lower priority are not ahead of a higher one.
		{"priority jumps the line", Queue{Agents: agents(2, 3, 0, 1), Queued: waiting(5, 0), HandleTimes: six}, 1, 1, time.Minute + 10*time.Second},
		// Higher-priority chats are ahead even when they came later.
		{"higher priority ahead", Queue{Agents: agents(1, 1, 0, 1), Queued: []Waiting{{Priority: 2, QueuedAt: t0}}, HandleTimes: six}, 0, 2, 12*time.Minute + 10*time.Second},
		// Offline agents are left out; free capacity of available agents shortens the line.
		{"offline left out, free slots", Queue{Agents: append(agents(1, 2, 1, 1), Agent{Capacity: 10, Queues: 1}), Queued: waiting(2, 0), HandleTimes: six}, 0, 3, 6*time.Minute + 10*time.Second},
		// No chat ended in the last hour: the default handle time of 5 min.
		{"no history", Queue{Agents: agents(1, 1, 0, 1)}, 0, 1, 5*time.Minute + 10*time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := For(c.q, c.priority, t0)
			if e.Position != c.position || e.Wait != c.wait || e.Unstaffed {
				t.Errorf("For = position %d, wait %s (unstaffed %v); want %d, %s", e.Position, e.Wait, e.Unstaffed, c.position, c.wait)
			}
		})
	}
}

func TestUnstaffedQueueIsOverAnyThreshold(t *testing.T) {
	e := For(Queue{Agents: []Agent{{Online: false, Capacity: 3, Queues: 1}}}, 0, t0)
	if !e.Unstaffed || e.Wait != Unbounded || e.Minutes() != 0 {
		t.Errorf("nobody online: %+v", e)
	}
}

func TestWaitingChatDoesNotCountItself(t *testing.T) {
	q := Queue{Agents: agents(1, 1, 0, 1), Queued: waiting(3, 0), HandleTimes: []time.Duration{2 * time.Minute}}
	second := q.Queued[1]
	e := ForWaiting(q, 0, second.QueuedAt)
	if e.Position != 2 || e.Wait != 4*time.Minute+10*time.Second {
		t.Errorf("second in line: %+v", e)
	}
}

func TestMinutesRoundUp(t *testing.T) {
	for wait, want := range map[time.Duration]int{10 * time.Second: 1, 61 * time.Second: 2, 4 * time.Minute: 4} {
		if got := (Estimate{Wait: wait}).Minutes(); got != want {
			t.Errorf("Minutes(%s) = %d, want %d", wait, got, want)
		}
	}
}
