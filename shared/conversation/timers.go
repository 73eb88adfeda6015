package conversation

import (
	"context"
	"errors"
	"time"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// TimerStore is what firing timers reads and changes.
type TimerStore interface {
	Session(ctx context.Context, id string) (session.Session, error)
	ApplyTimer(ctx context.Context, t session.Timer, fire func(session.Consumer, session.Session) session.Fired) (session.Fired, []string, error)
	DueChats(ctx context.Context, t time.Time, limit int) ([]session.Session, error)
	Supervisors(ctx context.Context, queueID string) ([]routing.Agent, error)
	AddAgentEvent(ctx context.Context, agentID string, e store.AgentEvent) error
}

// Fire applies one due timer: a warning, an end, an overflow or a reminder. A stale timer
// (outdated by activity, or delivered twice) does nothing.
func (s *Service) Fire(ctx context.Context, t session.Timer) error {
	log := s.Log.With("session", t.SessionID, "timer", t.Kind, "generation", t.Generation)
	if t.Kind == session.TimerSend {
		return s.Outbox.Send(ctx, t.SessionID)
	}
	cur, err := s.TimerStore.Session(ctx, t.SessionID)
	if errors.Is(err, store.ErrNotFound) {
		log.Warn("timer for an unknown chat ignored")
		return nil
	}
	if err != nil {
		return err
	}
	line, err := s.Store.Line(ctx, cur.Business)
	if err != nil {
		return err
	}
	f, outbox, err := s.TimerStore.ApplyTimer(ctx, t, func(c session.Consumer, cs session.Session) session.Fired {
		return session.Fire(line, c, cs, t, time.Now())
	})
	if err != nil {
		return err
	}
	if f.Stale {
		log.Info("stale timer: nothing to do")
		return nil
	}
	log.Info("timer fired", "state", f.Session.State)
	if f.Session.State == session.Ended {
		bus.Emit(ctx, s.Events, bus.ChatEvent{Type: bus.ChatEnded, SessionID: f.Session.ID})
	}
	if err := s.Outbox.Send(ctx, outbox...); err != nil {
		return err
	}
	if err := s.Timers.Schedule(ctx, f.Timers...); err != nil {
		log.Error("timers not scheduled; the sweeper will catch them", "err", err)
	}
	if f.Queued {
		if err := s.Router.AssignChat(ctx, *f.Session); err != nil {
			log.Error("assignment after overflow failed", "err", err)
		}
	}
	if f.FreedAgent != "" {
		if err := s.Router.FillAgent(ctx, f.FreedAgent); err != nil {
			log.Error("refilling agent failed", "agent", f.FreedAgent, "err", err)
		}
	}
	if f.Remind {
		s.remind(ctx, *f.Session)
	}
	return nil
}

// remind tells the chat's agent and the queue's supervisors that the consumer waits.
func (s *Service) remind(ctx context.Context, cs session.Session) {
	ev := store.AgentEvent{Type: store.EventReplyDue, SessionID: cs.ID, Queue: cs.QueueID, From: cs.AgentID, At: time.Now()}
	to := []string{cs.AgentID}
	sups, err := s.TimerStore.Supervisors(ctx, cs.QueueID)
	if err != nil {
		s.Log.Error("supervisors not found", "session", cs.ID, "err", err)
	}
	for _, a := range sups {
		if a.ID != cs.AgentID {
			to = append(to, a.ID)
		}
	}
	for _, id := range to {
		if err := s.TimerStore.AddAgentEvent(ctx, id, ev); err != nil {
			s.Log.Error("reminder not stored", "agent", id, "err", err)
		}
	}
}

// Sweep fires every deadline that passed more than grace ago, for chats whose timer was lost.
// It returns how many timers it fired.
func (s *Service) Sweep(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	due, err := s.TimerStore.DueChats(ctx, now.Add(-grace), 200)
	if err != nil {
		return 0, err
	}
	fired := 0
	for _, cs := range due {
		for kind, at := range cs.Deadlines {
			if at.After(now.Add(-grace)) {
				continue
			}
			if err := s.Fire(ctx, session.Timer{SessionID: cs.ID, Kind: kind, Generation: cs.Generation, Due: at}); err != nil {
				return fired, err
			}
			fired++
			break // the chat's generation moved on: its other deadlines are replanned
		}
	}
	return fired, nil
}
