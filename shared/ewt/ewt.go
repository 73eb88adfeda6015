// Package ewt estimates how long a new chat (or a call deflected to one) waits in a queue
// before an agent takes it. It is plain Go over loaded state: the agents, the chats waiting,
// and the handle times of the last hour.
//
// The anchor is CCAI Platform's published chat formula:
//
//	EWT = (average duration / active agents) × (agents in common / active agents in queue)
//	      × (queued chats − available agents) + 10 s
//
// with an agent serving n queues counting 1/n, active agents multiplied by their chat
// concurrency, offline agents left out, priority respected and the average duration taken
// over the previous hour. Here, per queue q:
//
//	slots = Σ over non-offline agents a serving q: capacity(a) / queues(a)
//	free  = Σ over available agents a serving q:   free capacity(a) / queues(a)
//	ahead = chats waiting in q with a higher priority, or the same priority queued earlier
//	EWT   = AHT × max(0, ahead + 1 − free) / slots + 10 s
//
// except that a chat with fewer chats ahead than the whole free slots of available agents
// waits only the 10 s: the router gives it to one of them at once, whatever else they serve.
//
// The share 1/queues(a) is "agents in common / active agents in queue" folded into each
// agent, and the chats served before this one count those of the same priority that came
// first (first in, first out) besides those of a higher one. ahead + 1 (the chat itself)
// rather than ahead: with every slot taken, the chat waits for one to free, about AHT/slots.
package ewt

import (
	"math"
	"time"
)

// MessageAllowance is added to every estimate for the system messages sent on the way in.
const MessageAllowance = 10 * time.Second

// DefaultHandleTime stands for the average handle time when no chat ended in the last hour.
const DefaultHandleTime = 5 * time.Minute

// Window is how far back handle times are averaged.
const Window = time.Hour

// Agent is what the estimate needs of one agent.
type Agent struct {
	Online   bool // not offline (available, busy or away) and not disabled
	Free     int  // chats they can take now: 0 unless available
	Capacity int  // concurrent chats
	Queues   int  // queues they serve (at least 1)
}

// Waiting is one chat waiting in the queue.
type Waiting struct {
	Priority int
	QueuedAt time.Time
}

// Queue is the state of one queue when a chat joins it.
type Queue struct {
	Agents []Agent   // agents serving the queue
	Queued []Waiting // chats waiting in it now
	// HandleTimes are the handle times of the queue's chats ended in the last Window.
	HandleTimes []time.Duration
}

// Estimate is a chat's expected wait and its place in line.
type Estimate struct {
	// Position is 1 for the next chat served.
	Position int
	Wait     time.Duration
	// Unstaffed is set when no agent serving the queue is online: the wait is unknown, and
	// Wait is Unbounded.
	Unstaffed bool
}

// Unbounded is the wait of a queue nobody serves: over any threshold.
const Unbounded = time.Duration(math.MaxInt64)

// Minutes is the wait rounded up to whole minutes, at least 1, for messages.
func (e Estimate) Minutes() int {
	if e.Unstaffed {
		return 0
	}
	m := int(math.Ceil(e.Wait.Minutes()))
	return max(m, 1)
}

// AverageHandleTime is the mean of handle times, or DefaultHandleTime without any.
func AverageHandleTime(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return DefaultHandleTime
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// For estimates the wait of a chat of the given priority joining q at now (chats already
// waiting with an earlier QueuedAt and the same priority are ahead of it).
func For(q Queue, priority int, now time.Time) Estimate {
	ahead := 0
	for _, w := range q.Queued {
		if w.Priority > priority || (w.Priority == priority && !w.QueuedAt.After(now)) {
			ahead++
		}
	}
	return compute(q, ahead)
}

// ForWaiting estimates the remaining wait of a chat already waiting (queued at at): the
// chats ahead of it are those served before it, itself excluded.
func ForWaiting(q Queue, priority int, at time.Time) Estimate {
	ahead := 0
	for _, w := range q.Queued {
		if w.Priority > priority || (w.Priority == priority && w.QueuedAt.Before(at)) {
			ahead++
		}
	}
	return compute(q, ahead)
}

func compute(q Queue, ahead int) Estimate {
	var slots, free float64
	freeNow := 0
	for _, a := range q.Agents {
		if !a.Online {
			continue
		}
		share := 1.0 / float64(max(a.Queues, 1))
		slots += float64(max(a.Capacity, 0)) * share
		free += float64(max(a.Free, 0)) * share
		freeNow += max(a.Free, 0)
	}
	e := Estimate{Position: ahead + 1}
	switch {
	case slots <= 0:
		e.Wait, e.Unstaffed = Unbounded, true
		return e
	case ahead < freeNow:
		e.Wait = MessageAllowance
		return e
	}
	need := math.Max(0, float64(ahead+1)-free)
	aht := AverageHandleTime(q.HandleTimes)
	e.Wait = time.Duration(float64(aht)*need/slots).Round(time.Second) + MessageAllowance
	return e
}
