// Package firestorecrm is smsdesk's built-in CRM, the default adapter, kept in Firestore:
//
//	crmContacts/{contactId}                         phone (E.164), name, email
//	crmContacts/{contactId}/records/{recordId}      one per chat: chat ids, queue, language, open
//	crmContacts/{contactId}/records/{id}/events/{eventId}  the events, keyed by event id
//	crmContacts/{contactId}/chats/{chatId}          which record a chat writes to
//	crmContacts/{contactId}/chats/{chatId}/held/{eventId}  events waiting for the record
//	crmLedger/{sha256 of key}                       Ledger, for adapters of other CRMs
//
// Posting is idempotent because the event id is the event's document id, created once: a
// repeat finds it and writes nothing. Options make a chat append to the latest open record of
// its leaf queue instead of opening one, and hold a chat's events until the consumer has sent
// enough messages to be worth a record.
package firestorecrm

import (
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/crm"
)

// Collection names.
const (
	colContacts = "crmContacts"
	colLedger   = "crmLedger"
	subRecords  = "records"
	subEvents   = "events"
	subChats    = "chats"
	subHeld     = "held"
)

// Options are the record settings of the built-in CRM. The zero value opens one record per
// chat at its first event.
type Options struct {
	// AppendToOpenRecord makes a chat write to the latest open record of the same contact and
	// leaf queue, when there is one, instead of opening its own. Such records stay open when
	// their chats end, until CloseRecord or until AppendWithin has passed since their last event.
	AppendToOpenRecord bool
	// AppendWithin, when positive, is how recent an open record's last event must be for a new
	// chat to append to it.
	AppendWithin time.Duration
	// MinConsumerMessages, when positive, delays a chat's record until the consumer has sent
	// that many messages (Event.ConsumerCount). Until then its events are held, not lost; a chat
	// that ends below the threshold never gets a record, and its events stay held under it.
	MinConsumerMessages int
}

// CRM is the built-in CRM. Its zero value is not usable; use New.
type CRM struct {
	fs   *firestore.Client
	opts Options
	now  func() time.Time
}

// New returns the built-in CRM on a Firestore client.
func New(fs *firestore.Client, opts Options) *CRM {
	return &CRM{fs: fs, opts: opts, now: time.Now}
}

var _ crm.CRM = (*CRM)(nil)

// Record is a contact's record of one chat, or of several chats of one leaf queue when chats
// append to open records. The JSON names are the contacts API's.
type Record struct {
	ID          string    `firestore:"-" json:"id"`
	ChatIDs     []string  `firestore:"chatIds" json:"chatIds"`
	Queue       string    `firestore:"queue" json:"queue"`
	Language    string    `firestore:"language" json:"language"`
	Open        bool      `firestore:"open" json:"open"`
	OpenedAt    time.Time `firestore:"openedAt" json:"openedAt"`
	ClosedAt    time.Time `firestore:"closedAt,omitempty" json:"closedAt,omitzero"`
	LastEventAt time.Time `firestore:"lastEventAt" json:"lastEventAt"`
}

// StoredEvent is an event as a record keeps it.
type StoredEvent struct {
	ID               string       `firestore:"-" json:"id"`
	Type             string       `firestore:"type" json:"type"`
	ChatID           string       `firestore:"chatId" json:"chatId"`
	Phone            string       `firestore:"phone" json:"phone,omitempty"`
	Language         string       `firestore:"language,omitempty" json:"language,omitempty"`
	Queue            string       `firestore:"queue,omitempty" json:"queue,omitempty"`
	At               time.Time    `firestore:"at" json:"at"`
	Text             string       `firestore:"text,omitempty" json:"text,omitempty"`
	Media            []string     `firestore:"media,omitempty" json:"media,omitempty"`
	Transcript       []StoredLine `firestore:"transcript,omitempty" json:"transcript,omitempty"`
	ConsumerMessages int          `firestore:"consumerMessages,omitempty" json:"consumerMessages,omitempty"`
	PostedAt         time.Time    `firestore:"postedAt" json:"postedAt"`
}

// StoredLine is a transcript line as a record keeps it.
type StoredLine struct {
	Author string    `firestore:"author" json:"author"`
	Body   string    `firestore:"body" json:"body"`
	At     time.Time `firestore:"at" json:"at"`
}

type contactDoc struct {
	Phone      string    `firestore:"phone"`
	Name       string    `firestore:"name"`
	Email      string    `firestore:"email"`
	CreatedAt  time.Time `firestore:"createdAt"`
	UpdatedAt  time.Time `firestore:"updatedAt"`
	LastChatAt time.Time `firestore:"lastChatAt,omitempty"`
}

type chatDoc struct {
	RecordID         string    `firestore:"recordId"`
	Queue            string    `firestore:"queue"`
	Language         string    `firestore:"language"`
	ConsumerMessages int       `firestore:"consumerMessages"`
	UpdatedAt        time.Time `firestore:"updatedAt"`
}

// ErrNotFound is returned for a contact or record that does not exist. It wraps ErrPermanent.
var ErrNotFound = fmt.Errorf("%w: not found", crm.ErrPermanent)
