package ewt

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/session"
)

// State is what an estimate reads: the agents serving a line of business (its staffing), its
// recently ended chats (the hour's handle times), how many chats wait ahead of one in a
// queue, and the agents who could take a chat now. The chats ahead are counted, not read: a
// count costs the same whether two chats wait or two hundred; and only agents with room are
// read for the free capacity, a page at a time until their room is more than the chats
// ahead (more would not change the estimate). Neither grows with the line's agents.
type State interface {
	// WaitingAhead counts the chats waiting in queue id that an agent takes before a chat of
	// the given priority queued at at: those of a higher priority, and those of the same
	// queued before at (or at at too, when inclusive).
	WaitingAhead(ctx context.Context, queueID string, priority int, at time.Time, inclusive bool) (int, error)
	EndedSince(ctx context.Context, lines []string, since time.Time, limit int) ([]session.Session, bool, error)
	AgentsOfLines(ctx context.Context, lines []string) ([]agent.Agent, error)
	// AgentsWithRoom lists up to limit available agents serving queue id who hold fewer
	// chats than their capacity, in the order of their ids after agent after ("": from the
	// first).
	AgentsWithRoom(ctx context.Context, queueID, after string, limit int) ([]agent.Agent, error)
}

// endedRead bounds the chats read for the average handle time: the latest of the hour.
const endedRead = 200

// Line is the state of a line of business's queues, for the estimates of any of them: its
// agents (who is online, with what capacity; an Estimator keeps them a while) and ended chats,
// loaded the first time an estimate needs them. The chats ahead and the agents with room are
// read per estimate. Load it outside a transaction: its reads must not wait on chats and
// agents that other changes hold.
type Line struct {
	Agents []agent.Agent
	Ended  []session.Session
	st     State
	staff  *lazyStaff // nil: Agents and Ended are given
}

// lazyStaff loads a line's agents and ended chats once, when an estimate first needs them.
type lazyStaff struct {
	once   sync.Once
	load   func() (Line, error)
	agents []agent.Agent
	ended  []session.Session
	err    error
}

// staffing is the line's agents and ended chats, loaded now if they were not.
func (l Line) staffing() ([]agent.Agent, []session.Session, error) {
	if l.staff == nil {
		return l.Agents, l.Ended, nil
	}
	l.staff.once.Do(func() {
		got, err := l.staff.load()
		l.staff.agents, l.staff.ended, l.staff.err = got.Agents, got.Ended, err
	})
	return l.staff.agents, l.staff.ended, l.staff.err
}

// Queue is queue id's agents and handle times as given; its waiting chats are not part of it.
func (l Line) Queue(id string) Queue { return FromState(id, l.Agents, nil, l.Ended) }

// Join estimates the wait of a chat of the given priority joining queue id at at.
func (l Line) Join(ctx context.Context, id string, priority int, at time.Time) (Estimate, error) {
	return l.estimate(ctx, id, priority, at, true)
}

// Waiting estimates the remaining wait of a chat of the given priority waiting in queue id
// since queuedAt; it is not among the chats ahead of itself.
func (l Line) Waiting(ctx context.Context, id string, priority int, queuedAt time.Time) (Estimate, error) {
	return l.estimate(ctx, id, priority, queuedAt, false)
}

// estimate counts the chats ahead and reads the agents with room. When their room is more
// than the chats ahead, the chat goes to one of them at once, and the line's agents and
// handle times, which only size a wait, are not read: the line's agents are read whole, so
// an estimate that read them would cost reads that grow with the line's agents.
func (l Line) estimate(ctx context.Context, id string, priority int, at time.Time, inclusive bool) (Estimate, error) {
	if l.st == nil {
		return compute(l.Queue(id), 0), nil // the agents as given, free capacity included
	}
	ahead, err := l.st.WaitingAhead(ctx, id, priority, at, inclusive)
	if err != nil {
		return Estimate{}, fmt.Errorf("estimate queue %s: %w", id, err)
	}
	room, err := withRoom(ctx, l.st, id, ahead)
	if err != nil {
		return Estimate{}, fmt.Errorf("estimate queue %s: %w", id, err)
	}
	if freeIn(id, room) > ahead {
		return Estimate{Position: ahead + 1, Wait: MessageAllowance}, nil
	}
	agents, ended, err := l.staffing()
	if err != nil {
		return Estimate{}, fmt.Errorf("estimate queue %s: %w", id, err)
	}
	return compute(staffed(id, agents, room, ended), ahead), nil
}

// freeIn is the free capacity for queue id of agents just read.
func freeIn(id string, agents []agent.Agent) int {
	free := 0
	for _, a := range agents {
		if a.Free() && a.Serves(id) {
			free += a.Capacity - a.Load()
		}
	}
	return free
}

// roomPage is how many agents with room an estimate reads at a time.
const roomPage = 10

// withRoom reads the agents with room in queue id a page at a time, until their free
// capacity is more than ahead (the chat then goes to one of them at once, whatever the rest
// hold) or none is left.
func withRoom(ctx context.Context, st State, id string, ahead int) ([]agent.Agent, error) {
	var out []agent.Agent
	free, after, limit := 0, "", min(roomPage, ahead+1)
	for {
		page, err := st.AgentsWithRoom(ctx, id, after, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		free += freeIn(id, page)
		if free > ahead || len(page) < limit {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// staffed is queue id's state from its line's agents (online and capacity), the agents with
// room read just now, whose free capacity alone counts (the line's agents may be seconds
// old), and the chats ended in the last Window.
func staffed(id string, staff, room []agent.Agent, ended []session.Session) Queue {
	fresh := map[string]bool{}
	for _, a := range room {
		fresh[a.ID] = true
	}
	agents := append([]agent.Agent(nil), room...)
	for _, a := range staff {
		if !fresh[a.ID] {
			agents = append(agents, a)
		}
	}
	return queueOf(id, agents, fresh, nil, ended)
}

// LoadLine reads the state of line of business lob at now.
func LoadLine(ctx context.Context, st State, lob string, now time.Time) (Line, error) {
	agents, err := st.AgentsOfLines(ctx, []string{lob})
	if err != nil {
		return Line{}, fmt.Errorf("estimate line %s: %w", lob, err)
	}
	ended, _, err := st.EndedSince(ctx, []string{lob}, now.Add(-Window), endedRead)
	if err != nil {
		return Line{}, fmt.Errorf("estimate line %s: %w", lob, err)
	}
	return Line{Agents: agents, Ended: ended, st: st}, nil
}

// FromState is queue id's state from its line's agents, live chats and chats ended in the
// last Window. A chat offered to a manual-answer agent still waits.
func FromState(id string, agents []agent.Agent, live, ended []session.Session) Queue {
	return queueOf(id, agents, nil, live, ended)
}

// queueOf is FromState counting the free capacity of the agents in freeOf only, or of every
// agent when freeOf is nil.
func queueOf(id string, agents []agent.Agent, freeOf map[string]bool, live, ended []session.Session) Queue {
	var q Queue
	for _, a := range agents {
		if !a.Serves(id) {
			continue
		}
		online := !a.Disabled && a.Status != agent.Offline && a.Status != ""
		free := 0
		if a.Free() && (freeOf == nil || freeOf[a.ID]) {
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
// line's agents (who is online, with what capacity) and its recently ended chats (the hour's
// handle times) for its cache life, and reads the chats ahead and the agents with room for
// every estimate: a place in line must count every chat ahead and free capacity changes with
// every assignment (a line's agents kept even for a few seconds told a consumer "about 1 min"
// while the only agent had just taken the chat before), but who is online and the hour's
// handle times move little in a few seconds, and reading them for every chat joining a queue
// would cost reads that grow with the line's agents and chats. The zero value reads
// everything every time.
type Estimator struct {
	State State
	cache *lineCache
}

// NewEstimator returns an Estimator on st that keeps a line's ended chats for life.
func NewEstimator(st State, life time.Duration) Estimator {
	return Estimator{State: st, cache: &lineCache{life: life, lines: map[string]cachedLine{}}}
}

// lineCache holds each line's agents and recently ended chats.
type lineCache struct {
	life  time.Duration
	mu    sync.Mutex
	lines map[string]cachedLine
	loads singleflight.Group
}

type cachedLine struct {
	agents []agent.Agent
	ended  []session.Session
	at     time.Time
}

// loadLine is the line whose agents and ended chats come, when an estimate first needs
// them, from the cache while it is fresh. Chats joining a queue together when it is not wait
// for one load of the line, not one each.
func (e Estimator) loadLine(ctx context.Context, lob string, now time.Time) (Line, error) {
	return Line{st: e.State, staff: &lazyStaff{load: func() (Line, error) { return e.cachedLine(ctx, lob, now) }}}, nil
}

// cachedLine is LoadLine from the cache while it is fresh.
func (e Estimator) cachedLine(ctx context.Context, lob string, now time.Time) (Line, error) {
	if e.cache == nil {
		return LoadLine(ctx, e.State, lob, now)
	}
	fresh := func() (cachedLine, bool) {
		e.cache.mu.Lock()
		defer e.cache.mu.Unlock()
		c, ok := e.cache.lines[lob]
		return c, ok && time.Since(c.at) < e.cache.life
	}
	c, ok := fresh()
	if !ok {
		v, err, _ := e.cache.loads.Do(lob, func() (any, error) {
			if c, ok := fresh(); ok {
				return c, nil // loaded while this one waited its turn
			}
			l, err := LoadLine(ctx, e.State, lob, now)
			if err != nil {
				return nil, err
			}
			c := cachedLine{agents: l.Agents, ended: l.Ended, at: time.Now()}
			e.cache.mu.Lock()
			e.cache.lines[lob] = c
			e.cache.mu.Unlock()
			return c, nil
		})
		if err != nil {
			return Line{}, err
		}
		c = v.(cachedLine)
	}
	return Line{Agents: c.agents, Ended: c.ended, st: e.State}, nil
}

// Estimate is the wait of a chat of the given priority joining queue id of line lob at now.
func (e Estimator) Estimate(ctx context.Context, lob, id string, priority int, now time.Time) (Estimate, error) {
	l, err := e.loadLine(ctx, lob, now)
	if err != nil {
		return Estimate{}, err
	}
	return l.Join(ctx, id, priority, now)
}

// LoadLine is line of business lob at now: its agents and ended chats are read (or taken from
// the cache) when an estimate first needs them.
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
	return l.Waiting(ctx, id, priority, queuedAt)
}
