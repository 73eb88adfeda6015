package routing

import (
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Offered is what offering chat s (its Offer set) to a manual-answer agent leaves to do: the
// chat's new timers (the offer's deadline among them) and the agent's "offer" notice.
func Offered(line config.Line, s *session.Session) followup.Followups {
	o := s.Offer
	return followup.Followups{
		Timers: session.Plan(line, s),
		Notices: []followup.Notice{{To: o.AgentID, Type: followup.NoticeOffer, SessionID: s.ID, Queue: s.QueueID,
			At: o.At, Deadline: o.Deadline}},
	}
}

// Accept decides agent a accepting the offer of chat s at now: before its deadline the chat is
// theirs, exactly as an auto assignment (the consumer's "assigned" message, timers, the
// connected event), with start type manual answer; else session.ErrOfferExpired or
// session.ErrNotOffered.
func Accept(line config.Line, s *session.Session, a Agent, now time.Time) (session.Entry, followup.Followups, error) {
	if err := s.AcceptOffer(a.ID, now); err != nil {
		return session.Entry{}, followup.Followups{}, err
	}
	e, then := Assigned(line, s, a)
	return e, then, nil
}

// Decline decides agent a declining the offer of chat s at now (before its deadline): the
// miss is recorded and the chat passes on (Passed).
func Decline(line config.Line, s *session.Session, a Agent, now time.Time) (session.MissedOffer, followup.Followups, error) {
	m, err := s.DeclineOffer(a.ID, now)
	if err != nil {
		return m, followup.Followups{}, err
	}
	f := Passed(*s, m)
	f.Timers = session.Plan(line, s)
	return m, f, nil
}

// Passed is what a missed offer m of chat s leaves to do: the chat is offered to the next
// eligible agent (not the one who missed it), that agent's freed slot may take other waiting
// chats, and an offer that lapsed is noticed in their feed.
func Passed(s session.Session, m session.MissedOffer) followup.Followups {
	f := followup.Followups{Assign: []followup.Queued{followup.Waiting(s)}, Fill: []string{m.AgentID}}
	if m.Reason == session.MissTimeout {
		f.Notices = []followup.Notice{{To: m.AgentID, Type: followup.NoticeOfferMissed, SessionID: s.ID, Queue: s.QueueID,
			Reason: m.Reason, At: m.At}}
	}
	return f
}
