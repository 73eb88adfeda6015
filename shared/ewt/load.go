package ewt

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/session"
)

// State is what an estimate reads: the waiting and recently ended chats of a line of
// business, and the agents serving it. Only the waiting chats of the line are read, not all
// its live ones: a chat an agent holds tells nothing of a place in line, and reading them
// would cost every first text a read per chat in progress.
type State interface {
	WaitingChats(ctx context.Context, lob string) ([]session.Session, error)
	EndedSince(ctx context.Context, lines []string, since time.Time, limit int) ([]session.Session, bool, error)
	AgentsOfLines(ctx context.Context, lines []string) ([]agent.Agent, error)
}

// endedRead bounds the chats read for the average handle time: the latest of the hour.
const endedRead = 200

// Line is the state of a line of business's queues, loaded once for the estimates of any of
// them. Load it outside a transaction: its reads must not wait on chats and agents that other
// changes hold.
type Line struct {
	Agents         []agent.Agent
	Waiting, Ended []session.Session
}

// Queue is queue id's state.
func (l Line) Queue(id string) Queue { return FromState(id, l.Agents, l.Waiting, l.Ended) }

// LoadLine reads the state of line of business lob at now.
func LoadLine(ctx context.Context, st State, lob string, now time.Time) (Line, error) {
	lines := []string{lob}
	agents, err := st.AgentsOfLines(ctx, lines)
	if err != nil {
		return Line{}, fmt.Errorf("estimate line %s: %w", lob, err)
	}
	waiting, err := st.WaitingChats(ctx, lob)
	if err != nil {
		return Line{}, fmt.Errorf("estimate line %s: %w", lob, err)
	}
	ended, _, err := st.EndedSince(ctx, lines, now.Add(-Window), endedRead)
	if err != nil {
		return Line{}, fmt.Errorf("estimate line %s: %w", lob, err)
	}
	return Line{Agents: agents, Waiting: waiting, Ended: ended}, nil
}

// Load reads the state of queue id of line of business lob at now.
func Load(ctx context.Context, st State, lob, id string, now time.Time) (Queue, error) {
	l, err := LoadLine(ctx, st, lob, now)
	if err != nil {
		return Queue{}, err
	}
	return l.Queue(id), nil
}

// FromState is queue id's state from its line's agents, live chats and chats ended in the
// last Window. A chat offered to a manual-answer agent still waits.
func FromState(id string, agents []agent.Agent, live, ended []session.Session) Queue {
	var q Queue
	for _, a := range agents {
		if !a.Serves(id) {
			continue
		}
		online := !a.Disabled && a.Status != agent.Offline && a.Status != ""
		free := 0
		if a.Free() {
			free = a.Capacity - a.Load()
		}
		q.Agents = append(q.Agents, Agent{Online: online, Free: free, Capacity: a.Capacity, Queues: len(a.ServesQueues)})
	}
	for _, s := range live {
		if s.State == session.Queued && s.QueueID == id {
			q.Queued = append(q.Queued, Waiting{Priority: s.Priority, QueuedAt: s.QueuedAt})
		}
	}
	for _, s := range ended {
		if s.QueueID == id && !s.AssignedAt.IsZero() && s.EndedAt.After(s.AssignedAt) {
			q.HandleTimes = append(q.HandleTimes, s.EndedAt.Sub(s.AssignedAt))
		}
	}
	return q
}

// Estimator estimates waits from the stored state. Built by NewEstimator, it keeps each
// line's recently ended chats (the hour's handle times) for its cache life and reads the
// waiting chats and the agents for every estimate: a place in line must count every chat
// ahead and an agent's free capacity changes with every assignment, but the hour's handle
// times move little in a few seconds, and reading them for every chat joining a queue would
// cost up to endedRead reads each. The zero value reads everything every time.
type Estimator struct {
	State State
	cache *endedCache
}

// NewEstimator returns an Estimator on st that keeps a line's ended chats for life.
func NewEstimator(st State, life time.Duration) Estimator {
	return Estimator{State: st, cache: &endedCache{life: life, lines: map[string]cachedEnded{}}}
}

// endedCache holds each line's recently ended chats.
type endedCache struct {
	life  time.Duration
	mu    sync.Mutex
	lines map[string]cachedEnded
}

type cachedEnded struct {
	ended []session.Session
	at    time.Time
}

// loadLine is LoadLine with the ended chats from the cache when fresh.
func (e Estimator) loadLine(ctx context.Context, lob string, now time.Time) (Line, error) {
	if e.cache == nil {
		return LoadLine(ctx, e.State, lob, now)
	}
	e.cache.mu.Lock()
	c, ok := e.cache.lines[lob]
	e.cache.mu.Unlock()
	if !ok || time.Since(c.at) >= e.cache.life {
		l, err := LoadLine(ctx, e.State, lob, now)
		if err != nil {
			return Line{}, err
		}
		e.cache.mu.Lock()
		e.cache.lines[lob] = cachedEnded{ended: l.Ended, at: time.Now()}
		e.cache.mu.Unlock()
		return l, nil
	}
	lines := []string{lob}
	agents, err := e.State.AgentsOfLines(ctx, lines)
	if err != nil {
		return Line{}, fmt.Errorf("estimate line %s: %w", lob, err)
	}
	waiting, err := e.State.WaitingChats(ctx, lob)
	if err != nil {
		return Line{}, fmt.Errorf("estimate line %s: %w", lob, err)
	}
	return Line{Agents: agents, Waiting: waiting, Ended: c.ended}, nil
}

// Estimate is the wait of a chat of the given priority joining queue id of line lob at now.
func (e Estimator) Estimate(ctx context.Context, lob, id string, priority int, now time.Time) (Estimate, error) {
	l, err := e.loadLine(ctx, lob, now)
	if err != nil {
		return Estimate{}, err
	}
	return For(l.Queue(id), priority, now), nil
}

// LoadLine reads the state of line of business lob at now.
func (e Estimator) LoadLine(ctx context.Context, lob string, now time.Time) (Line, error) {
	return e.loadLine(ctx, lob, now)
}

// EstimateWaiting is the remaining wait of a chat of the given priority waiting in queue id
// since queuedAt.
func (e Estimator) EstimateWaiting(ctx context.Context, lob, id string, priority int, queuedAt time.Time) (Estimate, error) {
	l, err := e.loadLine(ctx, lob, time.Now())
	if err != nil {
		return Estimate{}, err
	}
	return ForWaiting(l.Queue(id), priority, queuedAt), nil
}
