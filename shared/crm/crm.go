// Package crm puts every chat into a CRM: it finds the consumer's contact by phone number
// (creating it when there is none), and posts the chat's events to that contact's record — chat
// id, language and queue when the chat connects; transfers; media; the end of the chat and its
// full transcript.
//
// One interface, CRM, hides the CRM behind three adapters: the built-in Firestore CRM
// (crm/firestorecrm, the default), a signed generic webhook (crm/webhook) and HubSpot
// (crm/hubspot). Adapters says which one serves a number or a line of business.
//
// Every adapter's Post is idempotent on the event id, so the caller may retry freely: a CRM that
// is down delays the sync and loses nothing. Errors wrapping ErrPermanent will fail the same way
// on every retry (a refused request, a missing contact); any other error is worth retrying.
package crm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/smsdesk/smsdesk/shared/phone"
)

// Event types, the values of Event.Type.
const (
	EventChatConnected   = "chat_connected"   // an inbound chat connected to an agent
	EventOutboundSent    = "outbound_sent"    // an outbound SMS was sent to the consumer
	EventTransferStarted = "transfer_started" // Text says to whom
	EventTransferFailed  = "transfer_failed"  // Text says why
	EventTransferEnded   = "transfer_ended"   // the chat reached its new agent or queue
	EventMedia           = "media"            // Media holds the URLs of images and videos (MMS)
	EventChatEnded       = "chat_ended"       // Text says why, when known
	EventTranscript      = "transcript"       // Transcript holds every line of the chat
)

// Authors of transcript lines, the values of Line.Author; the same words as the session's.
const (
	AuthorConsumer = "consumer"
	AuthorAgent    = "agent"
	AuthorSystem   = "system"
)

// ErrPermanent marks a failure that retrying will not fix: the CRM refused the request (a 4xx
// other than 429), or the data cannot be sent. Test with errors.Is.
var ErrPermanent = errors.New("permanent CRM failure")

// Contact is a person in the CRM. Phone is in E.164 form.
type Contact struct {
	ID, Phone, Name, Email string
}

// Event is one thing to write on a contact's record.
type Event struct {
	// ID is unique per event and is the idempotency key: posting the same ID twice writes once.
	ID     string
	ChatID string
	Phone  string // the consumer's number, E.164
	Type   string // one of the Event* constants

	Language string
	Queue    string // the leaf queue that holds the chat
	At       time.Time
	Text     string
	Media    []string
	// Transcript is the whole chat, consumer, agent and system lines (menu and greeting
	// included), on the transcript event.
	Transcript []Line
	// ConsumerMessages is how many messages the consumer has sent in the chat so far, as the
	// sender of the event knows it. Adapters that delay a record until the consumer has said
	// enough (firestorecrm.Options.MinConsumerMessages) use it; others ignore it.
	ConsumerMessages int
}

// Line is one message of a transcript.
type Line struct {
	Author string // AuthorConsumer, AuthorAgent or AuthorSystem
	Body   string
	At     time.Time
}

// ConsumerCount is how many messages the consumer has sent according to the event: its
// ConsumerMessages or the consumer lines of its transcript, whichever is more.
func (e Event) ConsumerCount() int {
	n := 0
	for _, l := range e.Transcript {
		if l.Author == AuthorConsumer {
			n++
		}
	}
	return max(n, e.ConsumerMessages)
}

// Validate reports what makes the event unpostable. Its errors wrap ErrPermanent.
func (e Event) Validate() error {
	switch {
	case e.ID == "":
		return fmt.Errorf("%w: event of type %q for chat %q has no id", ErrPermanent, e.Type, e.ChatID)
	case e.Type == "":
		return fmt.Errorf("%w: event %q has no type", ErrPermanent, e.ID)
	case e.ChatID == "":
		return fmt.Errorf("%w: event %q (%s) has no chat id", ErrPermanent, e.ID, e.Type)
	}
	return nil
}

// CRM is one CRM: its contacts and their records.
type CRM interface {
	// FindContacts returns the contacts whose phone number is phone, in E.164 form.
	FindContacts(ctx context.Context, phone string) ([]Contact, error)
	// CreateContact creates c (its ID is ignored) and returns it with its ID.
	CreateContact(ctx context.Context, c Contact) (Contact, error)
	// Post writes e on the record of the contact. It is idempotent on e.ID.
	Post(ctx context.Context, contactID string, e Event) error
}

// Resolution is the contact a chat belongs to: Contact, or, when several contacts share the
// number, Ambiguous, and the agent picks one of them or asks for a new one.
type Resolution struct {
	Contact   *Contact
	Ambiguous []Contact
	Created   bool // Contact was created by this Resolve
}

// Resolve finds the contact with the phone number (any form phone.Normalize accepts with a
// leading +): none → it creates one named name; one → it; several → Ambiguous, and the caller
// marks the chat so the agent chooses.
//
// Two Resolves racing for a number that has no contact yet may both create one; callers
// serialize the sync per chat (as an ordering key does) to avoid that.
func Resolve(ctx context.Context, c CRM, raw string, name string) (Resolution, error) {
	e164, err := phone.Normalize(raw, "")
	if err != nil {
		return Resolution{}, fmt.Errorf("%w: resolve contact: %w", ErrPermanent, err)
	}
	found, err := c.FindContacts(ctx, e164)
	if err != nil {
		return Resolution{}, fmt.Errorf("find contacts with phone %s: %w", e164, err)
	}
	switch len(found) {
	case 0:
		created, err := c.CreateContact(ctx, Contact{Phone: e164, Name: name})
		if err != nil {
			return Resolution{}, fmt.Errorf("create contact with phone %s: %w", e164, err)
		}
		return Resolution{Contact: &created, Created: true}, nil
	case 1:
		return Resolution{Contact: &found[0]}, nil
	default:
		return Resolution{Ambiguous: found}, nil
	}
}

// Adapters says which CRM serves a chat, from the settings: the number's own choice, else its
// line of business's, else Default. Its zero value chooses nothing.
type Adapters struct {
	Default          CRM
	ByNumber         map[string]CRM // E.164 support number → CRM
	ByLineOfBusiness map[string]CRM // line of business → CRM
}

// For returns the CRM of a support number and its line of business, or nil when none is set.
func (a Adapters) For(number, lineOfBusiness string) CRM {
	if c, ok := a.ByNumber[number]; ok && c != nil {
		return c
	}
	if c, ok := a.ByLineOfBusiness[lineOfBusiness]; ok && c != nil {
		return c
	}
	return a.Default
}

// Ledger remembers which idempotency keys have been done, for CRMs whose APIs have no
// idempotency of their own. firestorecrm.Ledger keeps it in Firestore; MemoryLedger in memory.
type Ledger interface {
	Seen(ctx context.Context, key string) (bool, error)
	Mark(ctx context.Context, key string) error
}

// MemoryLedger is a Ledger in process memory, for tests and single-process tools: it forgets
// everything on restart and is not shared between instances. Its zero value is ready.
type MemoryLedger struct {
	mu   sync.Mutex
	keys map[string]bool
}

// Seen reports whether key was marked.
func (l *MemoryLedger) Seen(_ context.Context, key string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.keys[key], nil
}

// Mark records key.
func (l *MemoryLedger) Mark(_ context.Context, key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys == nil {
		l.keys = map[string]bool{}
	}
	l.keys[key] = true
	return nil
}
