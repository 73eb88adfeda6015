package routing

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Store is what assignment reads and changes.
type Store interface {
	AvailableAgents(ctx context.Context, queueID string) ([]Agent, error)
	QueuedChats(ctx context.Context, queues []string, limit int) ([]session.Session, error)
	Agent(ctx context.Context, id string) (Agent, error)
	Line(ctx context.Context, number string) (config.Line, error)
	// Assign atomically gives a still-queued chat to a still-free agent.
	Assign(ctx context.Context, sessionID, agentID string, now time.Time, prepare func(*session.Session, Agent) session.Entry) (string, bool, error)
}

// Outbox sends stored messages.
type Outbox interface {
	Send(ctx context.Context, paths ...string) error
}

// Scheduler schedules a chat's timers.
type Scheduler interface {
	Schedule(ctx context.Context, timers ...session.Timer) error
}

// Router assigns queued chats.
type Router struct {
	Store  Store
	Outbox Outbox
	Timers Scheduler
	// Events, when set, hears of every assignment (the CRM records the chat from then on).
	Events bus.Emitter
	Log    *slog.Logger
}

// AssignChat tries to give one queued chat to the longest-idle available agent who serves its
// queue, speaks its language and has free capacity. No such agent leaves the chat queued.
func (r *Router) AssignChat(ctx context.Context, s session.Session) error {
	all, err := r.Store.AvailableAgents(ctx, s.QueueID)
	if err != nil {
		return err
	}
	agents := Candidates(all, s)
	for _, a := range agents {
		ok, err := r.assign(ctx, s, a.ID)
		if err != nil || ok {
			return err
		}
	}
	r.Log.Info("chat waits: no free agent", "session", s.ID, "queue", s.QueueID, "candidates", len(agents))
	return nil
}

// FillAgent gives a free agent the oldest chats waiting in their queues until full. Agents
// coming online together race for the same oldest chats; a loser looks again at what is
// still waiting rather than giving up, so no chat is left behind while capacity is free.
func (r *Router) FillAgent(ctx context.Context, agentID string) error {
	for round := 0; round < 50; round++ {
		a, err := r.Store.Agent(ctx, agentID)
		if err != nil {
			return err
		}
		free := a.Capacity - a.ActiveChats
		if a.Status != AgentAvailable || free <= 0 {
			return nil
		}
		chats, err := r.Store.QueuedChats(ctx, a.ServesQueues, free*4)
		if err != nil {
			return err
		}
		tried := 0
		for _, s := range chats {
			if free == 0 {
				break
			}
			if !a.Speaks(s.Language) {
				continue
			}
			tried++
			ok, err := r.assign(ctx, s, agentID)
			if err != nil {
				return err
			}
			if ok {
				free--
			}
		}
		if tried == 0 || free == 0 {
			return nil // nothing this agent can take is waiting, or the agent is full
		}
	}
	return nil
}

func (r *Router) assign(ctx context.Context, s session.Session, agentID string) (bool, error) {
	line, err := r.Store.Line(ctx, s.Business)
	if err != nil {
		return false, err
	}
	var timers []session.Timer
	path, ok, err := r.Store.Assign(ctx, s.ID, agentID, time.Now(), func(s *session.Session, a Agent) session.Entry {
		timers = session.Plan(line, s)
		return session.Entry{
			Author: session.FromSystem, Kind: "assigned", AgentID: a.ID, Status: session.StatusPending,
			Body: line.Message("assigned", s.Language, s.QueueID, map[string]string{"agent": a.Name}),
		}
	})
	if err != nil || !ok {
		return false, err
	}
	r.Log.Info("chat assigned", "session", s.ID, "agent", agentID, "queue", s.QueueID)
	bus.Emit(ctx, r.Events, bus.ChatEvent{Type: bus.ChatConnected, SessionID: s.ID})
	if err := r.Timers.Schedule(ctx, timers...); err != nil {
		r.Log.Error("timers not scheduled; the sweeper will catch them", "session", s.ID, "err", err)
	}
	if err := r.Outbox.Send(ctx, path); err != nil {
		return true, fmt.Errorf("send assigned notice of %s: %w", s.ID, err)
	}
	return true, nil
}

// Candidates are the agents who may take chat s now, longest idle first.
func Candidates(agents []Agent, s session.Session) []Agent {
	out := make([]Agent, 0, len(agents))
	for _, a := range agents {
		if a.Free() && a.Serves(s.QueueID) && a.Speaks(s.Language) {
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].IdleSince().Before(out[j].IdleSince()) })
	return out
}
