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
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

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
// append to open records.
type Record struct {
	ID          string    `firestore:"-"`
	ChatIDs     []string  `firestore:"chatIds"`
	Queue       string    `firestore:"queue"`
	Language    string    `firestore:"language"`
	Open        bool      `firestore:"open"`
	OpenedAt    time.Time `firestore:"openedAt"`
	ClosedAt    time.Time `firestore:"closedAt,omitempty"`
	LastEventAt time.Time `firestore:"lastEventAt"`
}

// StoredEvent is an event as a record keeps it.
type StoredEvent struct {
	ID               string       `firestore:"-"`
	Type             string       `firestore:"type"`
	ChatID           string       `firestore:"chatId"`
	Phone            string       `firestore:"phone"`
	Language         string       `firestore:"language,omitempty"`
	Queue            string       `firestore:"queue,omitempty"`
	At               time.Time    `firestore:"at"`
	Text             string       `firestore:"text,omitempty"`
	Media            []string     `firestore:"media,omitempty"`
	Transcript       []StoredLine `firestore:"transcript,omitempty"`
	ConsumerMessages int          `firestore:"consumerMessages,omitempty"`
	PostedAt         time.Time    `firestore:"postedAt"`
}

// StoredLine is a transcript line as a record keeps it.
type StoredLine struct {
	Author string    `firestore:"author"`
	Body   string    `firestore:"body"`
	At     time.Time `firestore:"at"`
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

func (c *CRM) contacts() *firestore.CollectionRef { return c.fs.Collection(colContacts) }

// FindContacts returns the contacts with the phone number, oldest first.
func (c *CRM) FindContacts(ctx context.Context, phone string) ([]crm.Contact, error) {
	docs, err := c.contacts().Where("phone", "==", phone).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("firestorecrm: find contacts with phone %s: %w", phone, err)
	}
	type found struct {
		crm.Contact
		at time.Time
	}
	var all []found
	for _, d := range docs {
		var cd contactDoc
		if err := d.DataTo(&cd); err != nil {
			return nil, fmt.Errorf("firestorecrm: contact %s: %w", d.Ref.ID, err)
		}
		all = append(all, found{contactOf(d.Ref.ID, cd), cd.CreatedAt})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	out := make([]crm.Contact, len(all))
	for i, f := range all {
		out[i] = f.Contact
	}
	return out, nil
}

func contactOf(id string, d contactDoc) crm.Contact {
	return crm.Contact{ID: id, Phone: d.Phone, Name: d.Name, Email: d.Email}
}

// CreateContact creates a contact. Its phone must have a leading + and is stored in E.164 form.
func (c *CRM) CreateContact(ctx context.Context, ct crm.Contact) (crm.Contact, error) {
	phone, err := crm.NormalizePhone(ct.Phone, "")
	if err != nil {
		return crm.Contact{}, fmt.Errorf("firestorecrm: create contact: %w: %w", crm.ErrPermanent, err)
	}
	ct.Phone = phone
	now := c.now().UTC()
	ref := c.contacts().NewDoc()
	if _, err := ref.Create(ctx, contactDoc{Phone: ct.Phone, Name: ct.Name, Email: ct.Email, CreatedAt: now, UpdatedAt: now}); err != nil {
		return crm.Contact{}, fmt.Errorf("firestorecrm: create contact with phone %s: %w", ct.Phone, err)
	}
	ct.ID = ref.ID
	return ct, nil
}

// Contact returns one contact, for the contacts API.
func (c *CRM) Contact(ctx context.Context, id string) (crm.Contact, error) {
	if err := checkID("contact", id); err != nil {
		return crm.Contact{}, err
	}
	snap, err := c.contacts().Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return crm.Contact{}, fmt.Errorf("firestorecrm: contact %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return crm.Contact{}, fmt.Errorf("firestorecrm: contact %s: %w", id, err)
	}
	var cd contactDoc
	if err := snap.DataTo(&cd); err != nil {
		return crm.Contact{}, fmt.Errorf("firestorecrm: contact %s: %w", id, err)
	}
	return contactOf(id, cd), nil
}

// UpdateContact replaces a contact's phone, name and email, for the contacts API. The phone
// must be E.164 (NormalizePhone first).
func (c *CRM) UpdateContact(ctx context.Context, ct crm.Contact) error {
	if err := checkID("contact", ct.ID); err != nil {
		return err
	}
	phone, err := crm.NormalizePhone(ct.Phone, "")
	if err != nil {
		return fmt.Errorf("firestorecrm: update contact %s: %w: %w", ct.ID, crm.ErrPermanent, err)
	}
	_, err = c.contacts().Doc(ct.ID).Update(ctx, []firestore.Update{
		{Path: "phone", Value: phone}, {Path: "name", Value: ct.Name}, {Path: "email", Value: ct.Email},
		{Path: "updatedAt", Value: c.now().UTC()},
	})
	if status.Code(err) == codes.NotFound {
		return fmt.Errorf("firestorecrm: update contact %s: %w", ct.ID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("firestorecrm: update contact %s: %w", ct.ID, err)
	}
	return nil
}

// Records returns a contact's records, the most recent first.
func (c *CRM) Records(ctx context.Context, contactID string) ([]Record, error) {
	if err := checkID("contact", contactID); err != nil {
		return nil, err
	}
	docs, err := c.contacts().Doc(contactID).Collection(subRecords).OrderBy("lastEventAt", firestore.Desc).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("firestorecrm: records of contact %s: %w", contactID, err)
	}
	out := make([]Record, 0, len(docs))
	for _, d := range docs {
		r, err := recordOf(d)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Events returns the events of a record in time order.
func (c *CRM) Events(ctx context.Context, contactID, recordID string) ([]StoredEvent, error) {
	if err := errors.Join(checkID("contact", contactID), checkID("record", recordID)); err != nil {
		return nil, err
	}
	docs, err := c.contacts().Doc(contactID).Collection(subRecords).Doc(recordID).Collection(subEvents).
		OrderBy("at", firestore.Asc).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("firestorecrm: events of record %s of contact %s: %w", recordID, contactID, err)
	}
	out := make([]StoredEvent, 0, len(docs))
	for _, d := range docs {
		var e StoredEvent
		if err := d.DataTo(&e); err != nil {
			return nil, fmt.Errorf("firestorecrm: event %s: %w", d.Ref.ID, err)
		}
		e.ID = d.Ref.ID
		out = append(out, e)
	}
	return out, nil
}

// CloseRecord closes a record, so that no new chat appends to it.
func (c *CRM) CloseRecord(ctx context.Context, contactID, recordID string) error {
	if err := errors.Join(checkID("contact", contactID), checkID("record", recordID)); err != nil {
		return err
	}
	_, err := c.contacts().Doc(contactID).Collection(subRecords).Doc(recordID).Update(ctx, []firestore.Update{
		{Path: "open", Value: false}, {Path: "closedAt", Value: c.now().UTC()},
	})
	if status.Code(err) == codes.NotFound {
		return fmt.Errorf("firestorecrm: close record %s of contact %s: %w", recordID, contactID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("firestorecrm: close record %s of contact %s: %w", recordID, contactID, err)
	}
	return nil
}

func recordOf(d *firestore.DocumentSnapshot) (Record, error) {
	var r Record
	if err := d.DataTo(&r); err != nil {
		return Record{}, fmt.Errorf("firestorecrm: record %s: %w", d.Ref.ID, err)
	}
	r.ID = d.Ref.ID
	return r, nil
}

// Post writes the event on the contact's record of its chat, once per event id: it opens the
// record at the chat's first event (or appends the chat to an open record, or holds the event,
// as the Options say).
func (c *CRM) Post(ctx context.Context, contactID string, e crm.Event) error {
	if err := e.Validate(); err != nil {
		return fmt.Errorf("firestorecrm: %w", err)
	}
	if err := errors.Join(checkID("contact", contactID), checkID("chat", e.ChatID), checkID("event", e.ID)); err != nil {
		return err
	}
	if e.At.IsZero() {
		e.At = c.now()
	}
	e.At = e.At.UTC()
	var err error
	for range 3 {
		err = c.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			return c.post(tx, contactID, e)
		})
		// A racing Post of the same chat created the record or the event first: the next
		// attempt sees it and, for the event, writes nothing.
		if status.Code(err) != codes.AlreadyExists {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("firestorecrm: post event %s (%s) of chat %s to contact %s: %w", e.ID, e.Type, e.ChatID, contactID, err)
	}
	return nil
}

func (c *CRM) post(tx *firestore.Transaction, contactID string, e crm.Event) error {
	contact := c.contacts().Doc(contactID)
	chatRef := contact.Collection(subChats).Doc(e.ChatID)
	records := contact.Collection(subRecords)
	now := c.now().UTC()

	// Reads, all before any write.
	var ch chatDoc
	chSnap, err := tx.Get(chatRef)
	switch {
	case status.Code(err) == codes.NotFound:
	case err != nil:
		return err
	default:
		if err := chSnap.DataTo(&ch); err != nil {
			return fmt.Errorf("chat link %s: %w", e.ChatID, err)
		}
	}

	if ch.RecordID != "" {
		recRef := records.Doc(ch.RecordID)
		evRef := recRef.Collection(subEvents).Doc(e.ID)
		if _, err := tx.Get(evRef); err == nil {
			return nil // posted before
		} else if status.Code(err) != codes.NotFound {
			return err
		}
		recSnap, err := tx.Get(recRef)
		if err != nil {
			return fmt.Errorf("record %s: %w", ch.RecordID, err)
		}
		rec, err := recordOf(recSnap)
		if err != nil {
			return err
		}
		if err := tx.Create(evRef, stored(e, now)); err != nil {
			return err
		}
		return tx.Update(recRef, c.recordUpdates(rec, []crm.Event{e}))
	}

	if _, err := tx.Get(contact); status.Code(err) == codes.NotFound {
		return fmt.Errorf("contact %s: %w", contactID, ErrNotFound)
	} else if err != nil {
		return err
	}
	held, err := tx.Documents(chatRef.Collection(subHeld)).GetAll()
	if err != nil {
		return fmt.Errorf("held events of chat %s: %w", e.ChatID, err)
	}
	alreadyHeld := false
	for _, h := range held {
		alreadyHeld = alreadyHeld || h.Ref.ID == e.ID
	}
	ch.ConsumerMessages = max(ch.ConsumerMessages, e.ConsumerCount())
	ch.Queue = orElse(e.Queue, ch.Queue)
	ch.Language = orElse(e.Language, ch.Language)
	ch.UpdatedAt = now

	if ch.ConsumerMessages < c.opts.MinConsumerMessages {
		if alreadyHeld {
			return nil
		}
		if err := tx.Create(chatRef.Collection(subHeld).Doc(e.ID), stored(e, now)); err != nil {
			return err
		}
		return tx.Set(chatRef, ch)
	}

	// The chat gets its record now: an open one of its leaf queue, or a new one.
	var open *Record
	if c.opts.AppendToOpenRecord && ch.Queue != "" {
		docs, err := tx.Documents(records.Where("open", "==", true).Where("queue", "==", ch.Queue)).GetAll()
		if err != nil {
			return fmt.Errorf("open records of queue %s: %w", ch.Queue, err)
		}
		for _, d := range docs {
			r, err := recordOf(d)
			if err != nil {
				return err
			}
			if c.opts.AppendWithin > 0 && now.Sub(r.LastEventAt) > c.opts.AppendWithin {
				continue
			}
			if open == nil || r.LastEventAt.After(open.LastEventAt) {
				open = &r
			}
		}
	}

	// The events the record receives: those held, then this one, in time order.
	var events []crm.Event
	for _, h := range held {
		var se StoredEvent
		if err := h.DataTo(&se); err != nil {
			return fmt.Errorf("held event %s: %w", h.Ref.ID, err)
		}
		se.ID = h.Ref.ID
		events = append(events, se.event())
	}
	if !alreadyHeld {
		events = append(events, e)
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].At.Before(events[j].At) })

	var recRef *firestore.DocumentRef
	if open != nil {
		recRef = records.Doc(open.ID)
		updates := append(c.recordUpdates(*open, events), firestore.Update{Path: "chatIds", Value: firestore.ArrayUnion(e.ChatID)})
		if err := tx.Update(recRef, updates); err != nil {
			return err
		}
	} else {
		recRef = records.Doc(e.ChatID)
		rec := Record{ChatIDs: []string{e.ChatID}, Queue: ch.Queue, Language: ch.Language, Open: true,
			OpenedAt: events[0].At, LastEventAt: events[0].At}
		c.applyEvents(&rec, events)
		if err := tx.Create(recRef, rec); err != nil {
			return err
		}
	}
	for _, h := range held {
		if err := tx.Delete(h.Ref); err != nil {
			return err
		}
	}
	for _, ev := range events {
		if err := tx.Create(recRef.Collection(subEvents).Doc(ev.ID), stored(ev, now)); err != nil {
			return err
		}
	}
	ch.RecordID = recRef.ID
	if err := tx.Set(chatRef, ch); err != nil {
		return err
	}
	return tx.Update(contact, []firestore.Update{{Path: "lastChatAt", Value: now}})
}

// applyEvents brings a record up to date with events: its last event time, its language, and,
// when chats do not append to open records, its closing at the end of the chat.
func (c *CRM) applyEvents(r *Record, events []crm.Event) {
	for _, e := range events {
		if e.At.After(r.LastEventAt) {
			r.LastEventAt = e.At
		}
		if e.Language != "" {
			r.Language = e.Language
		}
		if r.Queue == "" && e.Queue != "" {
			r.Queue = e.Queue
		}
		if e.Type == crm.EventChatEnded && !c.opts.AppendToOpenRecord && r.Open {
			r.Open, r.ClosedAt = false, e.At
		}
	}
}

func (c *CRM) recordUpdates(before Record, events []crm.Event) []firestore.Update {
	after := before
	c.applyEvents(&after, events)
	u := []firestore.Update{{Path: "lastEventAt", Value: after.LastEventAt}, {Path: "language", Value: after.Language},
		{Path: "queue", Value: after.Queue}}
	if after.Open != before.Open {
		u = append(u, firestore.Update{Path: "open", Value: after.Open}, firestore.Update{Path: "closedAt", Value: after.ClosedAt})
	}
	return u
}

func stored(e crm.Event, now time.Time) StoredEvent {
	s := StoredEvent{Type: e.Type, ChatID: e.ChatID, Phone: e.Phone, Language: e.Language, Queue: e.Queue,
		At: e.At.UTC(), Text: e.Text, Media: e.Media, ConsumerMessages: e.ConsumerMessages, PostedAt: now}
	for _, l := range e.Transcript {
		s.Transcript = append(s.Transcript, StoredLine{Author: l.Author, Body: l.Body, At: l.At.UTC()})
	}
	return s
}

func (s StoredEvent) event() crm.Event {
	e := crm.Event{ID: s.ID, Type: s.Type, ChatID: s.ChatID, Phone: s.Phone, Language: s.Language, Queue: s.Queue,
		At: s.At, Text: s.Text, Media: s.Media, ConsumerMessages: s.ConsumerMessages}
	for _, l := range s.Transcript {
		e.Transcript = append(e.Transcript, crm.Line{Author: l.Author, Body: l.Body, At: l.At})
	}
	return e
}

// orElse returns a unless it is empty, else b.
func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkID refuses what cannot be a Firestore document id.
func checkID(what, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("firestorecrm: %w: empty %s id", crm.ErrPermanent, what)
	case strings.Contains(id, "/"), id == ".", id == "..", strings.HasPrefix(id, "__") && strings.HasSuffix(id, "__"), len(id) > 1500:
		return fmt.Errorf("firestorecrm: %w: %s id %q cannot be a Firestore document id", crm.ErrPermanent, what, id)
	}
	return nil
}

// Ledger is a crm.Ledger in Firestore, shared by every instance: one document per key in
// crmLedger, named by the key's SHA-256 so that any key is a valid document id.
type Ledger struct {
	fs *firestore.Client
}

// NewLedger returns the Firestore Ledger.
func NewLedger(fs *firestore.Client) *Ledger { return &Ledger{fs: fs} }

var _ crm.Ledger = (*Ledger)(nil)

func (l *Ledger) doc(key string) *firestore.DocumentRef {
	sum := sha256.Sum256([]byte(key))
	return l.fs.Collection(colLedger).Doc(hex.EncodeToString(sum[:]))
}

// Seen reports whether key was marked.
func (l *Ledger) Seen(ctx context.Context, key string) (bool, error) {
	_, err := l.doc(key).Get(ctx)
	switch {
	case err == nil:
		return true, nil
	case status.Code(err) == codes.NotFound:
		return false, nil
	}
	return false, fmt.Errorf("firestorecrm: ledger key %q: %w", key, err)
}

// Mark records key.
func (l *Ledger) Mark(ctx context.Context, key string) error {
	if _, err := l.doc(key).Set(ctx, map[string]any{"key": key, "at": time.Now().UTC()}); err != nil {
		return fmt.Errorf("firestorecrm: mark ledger key %q: %w", key, err)
	}
	return nil
}
