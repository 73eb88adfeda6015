// Package followup is the one path from a committed chat change to what it still has to do:
// the texts to send, the chat events to announce, the timers to schedule, the notices for
// agents, the queued chats to offer and the freed agents to fill. A change writes its
// follow-ups in the same transaction as itself (a Record in the outbox); the Executor carries
// them out right after the commit and marks the record done, and the Relay carries out every
// record a crash or a stall left behind. Each follow-up is idempotent, so carrying one out
// twice is harmless: a send is claimed per message by the sender, events only say "this chat
// changed", timers have deterministic names, notices deterministic ids, and an assignment
// checks the chat is still queued.
package followup

import (
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Followups are what a change still has to do once committed.
type Followups struct {
	// Send are the paths of the stored messages to hand to the sender, in order.
	Send []string `firestore:"send,omitempty"`
	// Events are the chat events to announce.
	Events []chatevents.Event `firestore:"events,omitempty"`
	// Timers are the timers to schedule: a chat's new deadlines, or a scheduled send.
	Timers []session.Timer `firestore:"timers,omitempty"`
	// Notices are agents' notices to add.
	Notices []Notice `firestore:"notices,omitempty"`
	// Assign are chats that wait in a queue, to offer to a free agent.
	Assign []Queued `firestore:"assign,omitempty"`
	// Fill are agents whose capacity just freed, to give waiting chats.
	Fill []string `firestore:"fill,omitempty"`
	// Tally are chats that ended, whose figures go into the report rollups (once each: the
	// tally keeps a marker per chat).
	Tally []string `firestore:"tally,omitempty"`
	// TallyTexts are stand-alone texts (one-way, bulk) the carrier accepted, whose count goes
	// into the report rollups (once each: the tally keeps a marker per text).
	TallyTexts []string `firestore:"tallyTexts,omitempty"`
}

// Queued names a chat waiting in a queue, as much of it as assignment needs to pick agents;
// the assignment itself reads the chat again and gives it only while it is still queued.
type Queued struct {
	SessionID string `firestore:"sessionId"`
	Business  string `firestore:"business"`
	QueueID   string `firestore:"queueId"`
	Language  string `firestore:"language"`
}

// Waiting is the Queued of chat s.
func Waiting(s session.Session) Queued {
	return Queued{SessionID: s.ID, Business: s.Business, QueueID: s.QueueID, Language: s.Language}
}

// Session is the chat as assignment sees it.
func (q Queued) Session() session.Session {
	return session.Session{ID: q.SessionID, Business: q.Business, QueueID: q.QueueID, Language: q.Language, State: session.Queued}
}

// Notice is a notice for an agent's feed, and for the supervisors of a queue when
// SupervisorsOf names one.
type Notice struct {
	To            string    `firestore:"to"`
	SupervisorsOf string    `firestore:"supervisorsOf,omitempty"`
	Type          string    `firestore:"type"`
	SessionID     string    `firestore:"sessionId"`
	Queue         string    `firestore:"queue,omitempty"`
	From          string    `firestore:"from,omitempty"`
	Note          string    `firestore:"note,omitempty"`
	Reason        string    `firestore:"reason,omitempty"`
	At            time.Time `firestore:"at"`
	// Deadline is when an offer lapses (NoticeOffer).
	Deadline time.Time `firestore:"deadline,omitempty"`
}

// Notices about offers to manual-answer agents.
const (
	NoticeOffer       = "offer"        // a chat is offered to the agent until Deadline
	NoticeOfferMissed = "offer_missed" // the agent did not accept it in time; it went on
)

// Add appends o's follow-ups to f.
func (f *Followups) Add(o Followups) {
	f.Send = append(f.Send, o.Send...)
	f.Events = append(f.Events, o.Events...)
	f.Timers = append(f.Timers, o.Timers...)
	f.Notices = append(f.Notices, o.Notices...)
	f.Assign = append(f.Assign, o.Assign...)
	f.Fill = append(f.Fill, o.Fill...)
	f.Tally = append(f.Tally, o.Tally...)
	f.TallyTexts = append(f.TallyTexts, o.TallyTexts...)
}

// Ended is what every end of chat id leaves to do: announce it and tally its figures.
func Ended(id string) Followups {
	return Followups{Events: []chatevents.Event{{Type: chatevents.Ended, SessionID: id}}, Tally: []string{id}}
}

// Durable reports whether f holds anything that must be recorded to survive a crash. What
// the committed state records already needs no record: a chat's own timers (its deadlines
// are on the chat, and the sweeper fires every deadline whose timer never came), and the
// assignments and fills (a waiting chat and a free agent are on record, and the relay gives
// every free agent the waiting chats they can take). A scheduled send has no chat, so it does.
func (f Followups) Durable() bool {
	if len(f.Send)+len(f.Events)+len(f.Notices)+len(f.Tally)+len(f.TallyTexts) > 0 {
		return true
	}
	for _, t := range f.Timers {
		if t.Kind == session.TimerSend {
			return true
		}
	}
	return false
}

// Empty reports whether there is nothing to do.
func (f Followups) Empty() bool {
	return !f.Durable() && len(f.Timers)+len(f.Assign)+len(f.Fill) == 0
}

// Record is a committed change's follow-ups as the outbox keeps them.
type Record struct {
	// ID names the record after its change, so a retried change writes the same record.
	ID string `firestore:"id"`
	// SessionID is the chat that changed, when there is one (for logs).
	SessionID string    `firestore:"sessionId,omitempty"`
	At        time.Time `firestore:"at"`
	Followups `firestore:"followups"`
	// Stored is set when the record was written (Durable follow-ups), so it must be marked done
	// once carried out.
	Stored bool `firestore:"-"`
	// Riding is set when the record was written on the change's last message to send rather
	// than on a document of its own: the sender's claim of that message marks it done.
	Riding bool `firestore:"-"`
}
