// Package session is the SMS chat state machine: what a consumer's text does to their chat
// (consent, protected commands, menu navigation, queueing) as plain Go over plain values, so the
// same rules run in a Firestore transaction and in unit tests.
package session

import (
	"errors"
	"slices"
	"time"

	"github.com/smsdesk/smsdesk/shared/phone"
)

// State is where a chat stands.
type State string

// The states of a chat.
const (
	InMenu   State = "menu"     // the consumer is choosing from a menu
	Queued   State = "queued"   // waiting in a leaf queue for an agent
	Assigned State = "assigned" // an agent has it
	Ended    State = "ended"
	// AwaitingCall is a wait-time chat waiting for whoever answers its call: no agent of its
	// SMS queue is given it, since the caller's texts are for the agent they will talk to.
	AwaitingCall State = "awaiting_call"
)

// Author says who wrote a transcript entry.
type Author string

// Transcript authors.
const (
	FromConsumer Author = "consumer"
	FromAgent    Author = "agent"
	FromSystem   Author = "system"
)

// Consumer is one consumer phone number as seen by one business number: consent, opt-out and
// the chat in progress, if any.
type Consumer struct {
	Business      string    `firestore:"business"`
	Phone         string    `firestore:"phone"`
	ConsentAt     time.Time `firestore:"consentAt,omitempty"`
	ConsentSource string    `firestore:"consentSource,omitempty"`
	OptedOut      bool      `firestore:"optedOut"`
	OptedOutAt    time.Time `firestore:"optedOutAt,omitempty"`
	OptOutSource  string    `firestore:"optOutSource,omitempty"`
	ActiveSession string    `firestore:"activeSession"`
	Language      string    `firestore:"language,omitempty"`
	// LastNotificationAt is when the business last sent a one-way text; a reply soon after
	// gets the number's auto-reply instead of opening a chat (unless the number says so).
	LastNotificationAt time.Time `firestore:"lastNotificationAt,omitempty"`
	// TimeZone is where the consumer lives (IANA name), when the business told us; quiet hours
	// follow it, else the zone of the consumer's phone number, else the business number's.
	TimeZone string `firestore:"timeZone,omitempty"`
	// OptOutFlag is a possible opt-out request an agent has not resolved yet; until then no
	// notification or bulk text goes to the consumer.
	OptOutFlag *OptOutFlag `firestore:"optOutFlag,omitempty"`
	// Brand is the brand-wide opt-out ledger's entry as the store last copied it onto this
	// record (every change of the ledger is copied onto the brand's existing records), so a
	// text reads the record alone; nil when never copied (the ledger is read then).
	Brand *BrandOptOut `firestore:"brand,omitempty" json:"-"`
}

// MayReceive reports whether message e may go to the consumer now: nothing reaches an
// opted-out number but the opt-out confirmation and help, and no notification reaches one
// whose possible opt-out request an agent has not settled yet (a text held for quiet hours or
// a later time included).
func (c Consumer) MayReceive(e Entry) bool {
	if c.OptedOut {
		return ExemptFromOptOut(e.Kind)
	}
	return !e.Notification || c.OptOutFlag == nil
}

// OptOut records an opt-out at at from source unless one is on record: the first opt-out
// (the consumer's own STOP) stands, and a later one (the carrier's 21610) adds nothing. It
// reports whether the record changed.
func (c *Consumer) OptOut(at time.Time, source string) bool {
	c.OptOutFlag = nil
	if c.OptedOut {
		return false
	}
	c.OptedOut, c.OptedOutAt, c.OptOutSource = true, at, source
	return true
}

// OptOutFlag is opt-out wording inside a text of a chat the consumer opened, where "cancel
// my order" may mean just that: an agent decides whether it revokes consent.
type OptOutFlag struct {
	Wording    string    `firestore:"wording"` // what was found, e.g. "stop texting"
	MessageSID string    `firestore:"messageSid"`
	SessionID  string    `firestore:"sessionId"`
	At         time.Time `firestore:"at"`
}

// Location is the consumer's time zone: the one the business gave, else the one the
// numbering plan places their phone number in (a Los Angeles area code texting a New York
// business keeps Los Angeles' quiet hours), else fallback.
func (c Consumer) Location(fallback *time.Location) *time.Location {
	if c.TimeZone != "" {
		if loc, err := time.LoadLocation(c.TimeZone); err == nil {
			return loc
		}
	}
	if loc, ok := phone.TimeZone(c.Phone); ok {
		return loc
	}
	return fallback
}

// ConsumerID names the record of a consumer phone on a business number.
func ConsumerID(business, phone string) string { return business + "_" + phone }

// Session is one chat, from the consumer's first text to its end.
type Session struct {
	ID             string `firestore:"id"`
	Business       string `firestore:"business"`
	Phone          string `firestore:"phone"`
	LineOfBusiness string `firestore:"lineOfBusiness"`
	State          State  `firestore:"state"`
	QueueID        string `firestore:"queueId"`
	AgentID        string `firestore:"agentId"`
	// HeldBy is every agent who held the chat (AgentID holds it now), who may read it later.
	HeldBy   []string `firestore:"heldBy,omitempty"`
	Language string   `firestore:"language"`
	// StartType is StartOutbound for a chat the business opened; a consumer's chat is
	// StartInbound until an agent connects, then StartAutoAnswer or StartManualAnswer.
	StartType string `firestore:"startType"`
	Priority  int    `firestore:"priority"` // the queue's, for ordering waiting chats
	// QueueRank orders the chats waiting in a queue as agents take them (QueueRank), so that
	// one count finds a chat's place in line.
	QueueRank string `firestore:"queueRank,omitempty"`
	Seq       int    `firestore:"seq"` // number of transcript entries so far
	// NotableSeq is the seq of the chat's last Notable line (0: none), so that the CRM's sync
	// can tell without reading the transcript that no line of its own awaits it.
	NotableSeq int       `firestore:"notableSeq,omitempty"`
	CreatedAt  time.Time `firestore:"createdAt"`
	QueuedAt   time.Time `firestore:"queuedAt,omitempty"`
	AssignedAt time.Time `firestore:"assignedAt,omitempty"`
	EndedAt    time.Time `firestore:"endedAt,omitempty"`
	EndReason  string    `firestore:"endReason,omitempty"`

	// Timers: who spoke last decides who is being waited on.
	LastConsumerAt time.Time `firestore:"lastConsumerAt,omitempty"`
	LastAgentAt    time.Time `firestore:"lastAgentAt,omitempty"`
	WarnedAt       time.Time `firestore:"warnedAt,omitempty"`   // inactivity warning sent
	RemindedAt     time.Time `firestore:"remindedAt,omitempty"` // agent reminded to reply
	WaitTimedOut   bool      `firestore:"waitTimedOut"`         // a queue wait timeout left it waiting
	// ToldWaitAt is when the consumer was last texted their new estimate (still waiting).
	ToldWaitAt time.Time `firestore:"toldWaitAt,omitempty"`
	// Generation changes whenever the deadlines do and names the timers planned then; a timer
	// is stale once its kind's deadline is gone or moved (Timer.StaleOn).
	Generation int                  `firestore:"generation"`
	Deadlines  map[string]time.Time `firestore:"deadlines"`
	// NextDeadline is the earliest deadline, for the sweeper's query; absent when none.
	NextDeadline time.Time `firestore:"nextDeadline,omitempty"`
	// OptOutFlag is a possible opt-out request in this chat that no agent has resolved yet.
	OptOutFlag *OptOutFlag `firestore:"optOutFlag,omitempty"`
	// Offer is the waiting chat's offer to a manual-answer agent, until they accept it,
	// decline it or its deadline passes.
	Offer *Offer `firestore:"offer,omitempty"`
	// MissedBy are the agents who declined or let lapse an offer of this chat: it is not
	// offered to them again.
	MissedBy []string `firestore:"missedBy,omitempty"`

	// The chat's history, for reports (history.go): its first connection to an agent, the
	// first agent message after it, its messages by author, its transfers, every queue it
	// waited in and every agent who held it.
	ConnectedAt     time.Time    `firestore:"connectedAt,omitempty"`
	FirstResponseAt time.Time    `firestore:"firstResponseAt,omitempty"`
	Counts          Counts       `firestore:"counts"`
	Transfers       int          `firestore:"transfers"`
	Visits          []QueueVisit `firestore:"visits,omitempty"`
	Legs            []AgentLeg   `firestore:"legs,omitempty"`
	// FirstText is the consumer's first text in the chat (up to 160 characters): its subject
	// in the chats report.
	FirstText string `firestore:"firstText,omitempty"`
}

// Media is an MMS attachment as the carrier hosts it.
type Media struct {
	URL         string `firestore:"url" json:"url"`
	ContentType string `firestore:"contentType" json:"contentType"`
	// Object is the copy in the media bucket, once taken from the carrier.
	Object string `firestore:"object,omitempty" json:"object,omitempty"`
}

// Entry is one transcript line. Entries from the agent or the system are also the outbox: the
// sender delivers them and records their delivery status here.
type Entry struct {
	Seq        int       `firestore:"seq"`
	Author     Author    `firestore:"author"`
	AgentID    string    `firestore:"agentId,omitempty"`
	Kind       string    `firestore:"kind,omitempty"` // system message kind: consent, menu, wait...
	Body       string    `firestore:"body"`
	Media      []Media   `firestore:"media,omitempty"`
	At         time.Time `firestore:"at"`
	MessageSID string    `firestore:"messageSid,omitempty"` // the carrier's id
	Status     string    `firestore:"status,omitempty"`     // delivery status of outbound entries
	ErrorCode  int       `firestore:"errorCode,omitempty"`
	ClaimedAt  time.Time `firestore:"claimedAt,omitempty"` // when a sender last started delivering it
	// Business and Phone let the sender deliver an entry without reading its session.
	Business string `firestore:"business"`
	Phone    string `firestore:"phone"`
	// Encoding (GSM-7 or UCS-2) and Segments are the message's carrier facts, for reports.
	Encoding string `firestore:"encoding,omitempty"`
	Segments int    `firestore:"segments,omitempty"`
	// NotBefore holds a scheduled message until then.
	NotBefore time.Time `firestore:"notBefore,omitempty"`
	// Notification marks a one-way text (or a bulk one), which quiet hours hold back; every
	// message of a conversation goes out at any hour.
	Notification bool `firestore:"notification"`
	// AcceptedAt is when the carrier first took the message (its MessageSid was recorded):
	// the hour a stand-alone text counts in the reports.
	AcceptedAt time.Time `firestore:"acceptedAt,omitempty"`
	// RecheckAt is when the carrier is next asked for the status of an accepted message
	// whose final status has not arrived (a status callback can be lost); zero once final.
	RecheckAt time.Time `firestore:"recheckAt,omitempty"`
	// Reported are the carrier's status callbacks, by MessageSid then status, each with its
	// error code: written without reading the message, folded into Status as it is read (Fold).
	Reported map[string]map[string]int `firestore:"reported,omitempty"`
	// Version is the stored message's update time as the store last read or wrote it, so a
	// change can be written onto it without reading it again (zero: unknown). Not stored.
	Version time.Time `firestore:"-" json:"-"`
}

// Kinds of the transfer lines of a transcript, which agents and the CRM see and the consumer
// does not.
const (
	KindTransferStarted = "transfer_started"
	KindTransferFailed  = "transfer_failed"
	KindTransferEnded   = "transfer_ended"
)

// Kinds of stand-alone texts to consumers: a one-way text of the outbound API, and one
// recipient's text of a bulk send.
const (
	KindNotification = "notification"
	KindBulk         = "bulk"
)

// Outbound reports whether the entry is a message to the consumer.
func (e Entry) Outbound() bool { return e.Author != FromConsumer }

// Notable reports whether the entry is an event of the chat in its records of its own, beyond
// the transcript: a transfer line, or a consumer's attachments.
func (e Entry) Notable() bool {
	switch e.Kind {
	case KindTransferStarted, KindTransferFailed, KindTransferEnded:
		return true
	}
	return e.Author == FromConsumer && len(e.Media) > 0
}

// ToSend reports whether a change that writes e must hand it to the sender: an outbound
// message not yet sent (one held for later, or settled without the carrier, is not).
func (e Entry) ToSend() bool { return e.Outbound() && e.Status == StatusPending }

// Outbound delivery statuses, in the order a message moves through them.
const (
	StatusPending     = "pending"     // written, not yet handed to the carrier
	StatusDispatching = "dispatching" // the carrier is being called
	StatusBlocked     = "blocked"     // refused: the consumer opted out
	// StatusScheduled waits for its NotBefore time (a scheduled send, or quiet hours).
	StatusScheduled = "held"
	// StatusByCarrier marks a keyword confirmation the carrier sent itself.
	StatusByCarrier = "sent-by-carrier"
)

// ExemptFromOptOut reports whether a system message kind may still reach an opted-out
// consumer: the single opt-out confirmation and answers to HELP, as carriers require.
func ExemptFromOptOut(kind string) bool { return kind == "optout" || kind == "help" }

// ErrNotHeld reports an agent acting on a chat they do not hold (any more).
var ErrNotHeld = errors.New("chat is not held by this agent")

// ErrEnded reports an agent acting on their chat after it ended.
var ErrEnded = errors.New("the chat has ended")

// ActableBy tells whether agentID may act on the chat (reply, end, transfer): only the agent
// who holds it, while it goes on. The agent who held it last is told it ended; anyone else
// that it is not theirs.
func (s Session) ActableBy(agentID string) error {
	switch {
	case agentID == "" || s.AgentID != agentID:
		return ErrNotHeld
	case s.State == Ended:
		return ErrEnded
	case s.State != Assigned:
		return ErrNotHeld
	}
	return nil
}

// AssignTo gives waiting chat s to agentID at now (auto answer: the chat is theirs at once).
func (s *Session) AssignTo(agentID string, now time.Time) {
	s.State, s.AgentID, s.AssignedAt = Assigned, agentID, now
	s.connected(StartAutoAnswer)
	s.answered(agentID, now)
}

// Hold records that agentID holds (or held) the chat, for who may read it later.
func (s *Session) Hold(agentID string) {
	if agentID != "" && !slices.Contains(s.HeldBy, agentID) {
		s.HeldBy = append(s.HeldBy, agentID)
	}
}

// Held reports whether agentID holds the chat now or held it before.
func (s Session) Held(agentID string) bool {
	return agentID != "" && (s.AgentID == agentID || slices.Contains(s.HeldBy, agentID))
}
