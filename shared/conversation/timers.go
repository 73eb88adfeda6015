package conversation

import (
	"context"
	"errors"
	"time"

	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// TimerStore is what firing timers reads and changes.
type TimerStore interface {
	Session(ctx context.Context, id string) (session.Session, error)
	ApplyTimer(ctx context.Context, t session.Timer, fire func(session.Consumer, session.Session) (session.Fired, followup.Followups)) (session.Fired, followup.Record, error)
	DueChats(ctx context.Context, t time.Time, limit int) ([]session.Session, error)
}

// Fire applies one due timer: a warning, an end, an overflow or a reminder. A stale timer
// (outdated by activity, or delivered twice) does nothing.
func (s *Service) Fire(ctx context.Context, t session.Timer) error {
	log := s.Log.With("session", t.SessionID, "timer", t.Kind, "generation", t.Generation)
	if t.Kind == session.TimerSend {
		// A held message is due: its send is the one thing left to do.
		return s.Followups.AfterCommit(ctx, followup.Record{ID: "send", Followups: followup.Followups{Send: []string{t.SessionID}}})
	}
	cur, err := s.TimerStore.Session(ctx, t.SessionID)
	if errors.Is(err, store.ErrNotFound) {
		log.Warn("timer for an unknown chat ignored")
		return nil
	}
	if err != nil {
		return err
	}
	if t.StaleOn(cur) {
		// Most timers find their chat ended or moved on: the chat as read says so, with no
		// transaction to read it and its consumer again.
		log.Info("stale timer: nothing to do")
		return nil
	}
	line, err := s.Store.Line(ctx, cur.Business)
	if err != nil {
		return err
	}
	now := time.Now()
	var estimate func(session.Session) (session.WaitEstimate, bool)
	if t.Kind == session.TimerStillWaiting {
		estimate = s.waitingEstimate(ctx, line.Number.LineOfBusiness, now) // read before the transaction
	}
	f, rec, err := s.TimerStore.ApplyTimer(ctx, t, func(c session.Consumer, cs session.Session) (session.Fired, followup.Followups) {
		f := session.FireWith(line, c, cs, t, now, estimate)
		return f, TimerFollowups(f, now)
	})
	if err != nil {
		return err
	}
	if f.Stale {
		log.Info("stale timer: nothing to do")
		return nil
	}
	log.Info("timer fired", "state", f.Session.State)
	if err := s.Followups.AfterCommit(ctx, rec); err != nil {
		if rec.Stored {
			return err // the timer is delivered again; the relay also carries out what is left
		}
		log.Error("timers not scheduled; the sweeper will catch them", "err", err)
	}
	return nil
}

// TimerFollowups are what a fired timer leaves to do: its messages are sent (the store adds
// them), an ended chat is announced, the new timers scheduled, an overflowed chat (or one
// whose offer lapsed) offered to agents, a freed agent (or offer slot) given the next chat, and on a reminder the chat's agent and the
// queue's supervisors told that the consumer waits.
func TimerFollowups(f session.Fired, now time.Time) followup.Followups {
	out := followup.Followups{Timers: f.Timers}
	cs := f.Session
	if cs == nil {
		return out
	}
	if cs.State == session.Ended {
		out.Add(followup.Ended(cs.ID))
	}
	switch {
	case f.Missed != nil:
		// An offer lapsed: the chat goes on to the next agent, the agent is told.
		out.Add(routing.Passed(*cs, *f.Missed))
	case f.Queued:
		out.Assign = append(out.Assign, followup.Waiting(*cs))
	}
	for _, a := range []string{f.FreedAgent, f.Withdrawn} {
		if a != "" {
			out.Fill = append(out.Fill, a)
		}
	}
	if f.Remind {
		out.Notices = append(out.Notices, followup.Notice{To: cs.AgentID, SupervisorsOf: cs.QueueID, Type: store.EventReplyDue,
			SessionID: cs.ID, Queue: cs.QueueID, From: cs.AgentID, At: now})
	}
	return out
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
			break // the chat may have changed: the next sweep takes its other deadlines as they stand
		}
	}
	return fired, nil
}

// waitingEstimate estimates the remaining wait of a waiting chat from the line's state read
// now; nil without estimates.
func (s *Service) waitingEstimate(ctx context.Context, lob string, now time.Time) func(session.Session) (session.WaitEstimate, bool) {
	if s.Estimates == nil {
		return nil
	}
	st, err := s.Estimates.LoadLine(ctx, lob, now)
	if err != nil {
		s.Log.Warn("no wait estimate", "line", lob, "err", err)
		return nil
	}
	return func(cs session.Session) (session.WaitEstimate, bool) {
		e, err := st.Waiting(ctx, cs.QueueID, cs.Priority, cs.QueuedAt)
		if err != nil {
			s.Log.Warn("no wait estimate", "session", cs.ID, "queue", cs.QueueID, "err", err)
			return session.WaitEstimate{}, false
		}
		return session.WaitEstimate{Position: e.Position, Minutes: e.Minutes()}, !e.Unstaffed
	}
}
