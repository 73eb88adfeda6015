package firestorecrm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/ids"
)

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
	if status.Code(err) == codes.NotFound {
		// Only the contact can be missing: the chat's link and its record were read.
		err = fmt.Errorf("contact %s: %w", contactID, ErrNotFound)
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
	linked := err == nil
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

	// Events are held only under a chat link written with them: a chat not linked yet holds
	// none, and its first event (nearly every chat's) skips the query.
	var held []*firestore.DocumentSnapshot
	if linked {
		if held, err = tx.Documents(chatRef.Collection(subHeld)).GetAll(); err != nil {
			return fmt.Errorf("held events of chat %s: %w", e.ChatID, err)
		}
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
		// Held events write nothing on the contact, whose existence is checked here instead.
		if _, err := tx.Get(contact); err != nil {
			return err
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
	// The update fails the commit when the contact does not exist: no read needed to know.
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
	if err := ids.Check(what, id); err != nil {
		// Such an id names nothing: not found, and so permanent.
		return fmt.Errorf("firestorecrm: %w: %w", ErrNotFound, err)
	}
	return nil
}
