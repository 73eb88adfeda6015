package session

import (
	"reflect"
	"strconv"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

// Timer kinds.
const (
	TimerInactivityWarn = "inactivity-warn"
	TimerInactivityEnd  = "inactivity-end"
	TimerQueueWait      = "queue-wait"
	TimerReplyDue       = "reply-due"
	TimerExpire         = "expire"
	// TimerOffer ends an offer to a manual-answer agent that was not accepted in time.
	TimerOffer = "offer"
	// TimerSend releases a held message; its SessionID is the message's path.
	TimerSend = "send"
	// TimerStillWaiting texts a consumer who has waited a while their new estimate.
	TimerStillWaiting = "still-waiting"
)

// End reasons of timers.
const (
	EndInactive = "consumer inactive"
	EndNoAgents = "no agents available"
	EndExpired  = "chat expired"
)

// Timer asks for a check of chat SessionID at Due; it acts only if the chat's deadline of
// its Kind is still Due. Generation, the chat's when the timer was planned, names its task.
type Timer struct {
	SessionID  string    `json:"sessionId"`
	Kind       string    `json:"kind"`
	Generation int       `json:"generation"`
	Due        time.Time `json:"due"`
}

// Plan recomputes the chat's deadlines from who it is waiting on. When they change, the
// generation moves on and the timers of the deadlines that are new or moved are returned for
// scheduling; otherwise nil. A deadline that stayed keeps the timer it has: a chat's
// expiration, fixed from its start, is one task for its whole life rather than one for every
// change of the chat (half of its tasks were those).
func Plan(line config.Line, s *Session) []Timer {
	d := deadlines(line.Limits(s.QueueID), s)
	if reflect.DeepEqual(d, s.Deadlines) || (len(d) == 0 && len(s.Deadlines) == 0) {
		return nil
	}
	before := s.Deadlines
	s.Generation++
	s.Deadlines, s.NextDeadline = d, time.Time{}
	timers := make([]Timer, 0, len(d))
	for _, kind := range []string{TimerInactivityWarn, TimerInactivityEnd, TimerQueueWait, TimerStillWaiting, TimerOffer, TimerReplyDue, TimerExpire} {
		due, ok := d[kind]
		if !ok {
			continue
		}
		if s.NextDeadline.IsZero() || due.Before(s.NextDeadline) {
			s.NextDeadline = due
		}
		if was, ok := before[kind]; ok && sameInstant(was, due) {
			continue
		}
		timers = append(timers, Timer{SessionID: s.ID, Kind: kind, Generation: s.Generation, Due: due})
	}
	return timers
}

// sameInstant compares two times as Firestore keeps them, to the microsecond.
func sameInstant(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

func deadlines(lim config.Limits, s *Session) map[string]time.Time {
	d := map[string]time.Time{}
	if s.State == Ended {
		return d
	}
	d[TimerExpire] = s.CreatedAt.Add(lim.Expiration)
	inactivity := func(since time.Time) {
		if s.WarnedAt.IsZero() {
			d[TimerInactivityWarn] = since.Add(lim.InactivityWarn)
		} else {
			d[TimerInactivityEnd] = s.WarnedAt.Add(lim.InactivityEnd)
		}
	}
	switch s.State {
	case InMenu:
		inactivity(latest(s.CreatedAt, s.LastConsumerAt))
	case Queued:
		if !s.WaitTimedOut {
			d[TimerQueueWait] = s.QueuedAt.Add(lim.QueueWait)
		}
		if s.Offer != nil {
			d[TimerOffer] = s.Offer.Deadline
		}
		if lim.StillWaiting > 0 && !s.ToldWaitAt.After(s.QueuedAt) {
			d[TimerStillWaiting] = s.QueuedAt.Add(lim.StillWaiting)
		}
	case Assigned:
		agentSpoke := !s.LastAgentAt.Before(s.AssignedAt) && !s.LastAgentAt.Before(s.LastConsumerAt)
		if agentSpoke {
			inactivity(s.LastAgentAt)
		} else if s.RemindedAt.IsZero() || s.RemindedAt.Before(latest(s.LastAgentAt, s.AssignedAt)) {
			d[TimerReplyDue] = latest(s.LastConsumerAt, s.AssignedAt).Add(lim.ReplyDue)
		}
	}
	return d
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Fired is what a timer changed.
type Fired struct {
	Outcome
	// Stale is set when the timer was outdated by activity (or the chat ended): nothing changed.
	Stale bool
	// Remind is set when the agent (and the queue's supervisors) must be told the consumer waits.
	Remind bool
	// Timers are the chat's new timers to schedule.
	Timers []Timer
}

// Fire applies a due timer to the chat. A stale timer changes nothing, so a timer delivered
// twice, or outdated by new activity, is harmless.
func Fire(line config.Line, c Consumer, s Session, t Timer, now time.Time) Fired {
	return FireWith(line, c, s, t, now, nil)
}

// StaleOn reports whether timer t can no longer fire on chat s: the chat ended, or its
// deadline of t's kind is gone or moved. Deadlines are instants computed from the chat's
// history, so one that moved never comes back to t's: either is for good, and a chat read
// once, even outside a transaction, tells a stale timer.
func (t Timer) StaleOn(s Session) bool {
	if s.State == Ended || s.ID != t.SessionID {
		return true
	}
	due, ok := s.Deadlines[t.Kind]
	return !ok || !sameInstant(due, t.Due)
}

// FireWith is Fire with the chat's wait estimate (nil: none), for the still-waiting text.
func FireWith(line config.Line, c Consumer, s Session, t Timer, now time.Time, estimate func(Session) (WaitEstimate, bool)) Fired {
	if t.StaleOn(s) {
		return Fired{Stale: true}
	}
	m := machine{line: line, in: Inbound{Business: s.Business, Phone: s.Phone, At: now}, out: Outcome{Consumer: c, Session: &s}}
	f := Fired{}
	switch t.Kind {
	case TimerStillWaiting:
		if s.State != Queued {
			return Fired{Stale: true}
		}
		s.ToldWaitAt = now
		// Without an estimate there is nothing new to tell.
		if estimate != nil {
			if w, ok := estimate(s); ok {
				q, _ := line.Queue(s.QueueID)
				m.reply("stillwaiting", s.Language, map[string]string{"queue": q.NameIn(s.Language),
					"position": strconv.Itoa(w.Position), "minutes": strconv.Itoa(w.Minutes)})
			}
		}
	case TimerExpire:
		m.end(EndExpired, "expired")
	case TimerInactivityWarn:
		s.WarnedAt = now
		m.reply("inactive", s.Language, nil)
	case TimerInactivityEnd:
		m.end(EndInactive, "timeout")
	case TimerReplyDue:
		s.RemindedAt, f.Remind = now, true
	case TimerOffer:
		if s.State != Queued || s.Offer == nil {
			return Fired{Stale: true}
		}
		// Not accepted in time: the miss is recorded and the chat offered to the next agent.
		missed := s.missOffer(MissTimeout, s.Offer.Deadline)
		m.out.Missed, m.out.Queued = &missed, true
	case TimerQueueWait:
		q, _ := line.Queue(s.QueueID)
		switch {
		case q.Overflow != "":
			to, _ := line.Queue(q.Overflow)
			m.withdraw() // the chat waits elsewhere now, for that queue's agents
			m.reply("transfer", s.Language, map[string]string{"target": to.NameIn(s.Language)})
			s.leaveQueue(LeftOverflowed, "", now)
			s.EnterQueue(to.ID, to.Priority, now)
			m.out.Queued = true
		case q.WaitTimeoutStays:
			s.WaitTimedOut = true
			m.reply("noagents", s.Language, nil)
		default:
			m.end(EndNoAgents, "noagents")
		}
	default:
		return Fired{Stale: true}
	}
	f.Outcome = m.out
	f.Timers = Plan(line, &s)
	return f
}
