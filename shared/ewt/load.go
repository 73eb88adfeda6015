package ewt

import (
	"context"
	"fmt"
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

// Estimator estimates waits from the stored state.
type Estimator struct{ State State }

// Estimate is the wait of a chat of the given priority joining queue id of line lob at now.
func (e Estimator) Estimate(ctx context.Context, lob, id string, priority int, now time.Time) (Estimate, error) {
	q, err := Load(ctx, e.State, lob, id, now)
	if err != nil {
		return Estimate{}, err
	}
	return For(q, priority, now), nil
}

// LoadLine reads the state of line of business lob at now.
func (e Estimator) LoadLine(ctx context.Context, lob string, now time.Time) (Line, error) {
	return LoadLine(ctx, e.State, lob, now)
}

// EstimateWaiting is the remaining wait of a chat of the given priority waiting in queue id
// since queuedAt.
func (e Estimator) EstimateWaiting(ctx context.Context, lob, id string, priority int, queuedAt time.Time) (Estimate, error) {
	q, err := Load(ctx, e.State, lob, id, time.Now())
	if err != nil {
		return Estimate{}, err
	}
	return ForWaiting(q, priority, queuedAt), nil
}
