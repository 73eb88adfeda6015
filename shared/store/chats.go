package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

type receipt struct {
	SessionID string    `firestore:"sessionId"`
	Outbox    []string  `firestore:"outbox"`
	At        time.Time `firestore:"at"`
}

// ApplyInbound runs decide on the consumer and their active chat inside one transaction and
// stores its outcome: consumer, chat, transcript entries, a receipt of the MessageSid and the
// outcome's follow-ups (with the messages to send) in the outbox. Two texts of one consumer
// never open two chats, and a redelivered text changes nothing: it returns Duplicate and the
// original's follow-ups when they are still pending.
//
// The receipt is created, not read first: its creation fails the commit when the text was
// applied before, and only then is it read (appliedBefore). A text applied once, the usual
// case, so costs the consumer and chat reads alone; the receipt's precondition is checked in
// the same commit as the change, so a redelivery racing its original still applies once.
func (s *Store) ApplyInbound(ctx context.Context, in session.Inbound, decide func(session.Consumer, *session.Session) (session.Outcome, followup.Followups)) (session.Applied, followup.Record, error) {
	cid := session.ConsumerID(in.Business, in.Phone)
	rref := s.fs.Collection(colConsumers).Doc(cid).Collection(subReceipts).Doc(in.MessageSID)
	var res session.Applied
	var rec followup.Record
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		res, rec = session.Applied{}, followup.Record{ID: "in-" + in.MessageSID, At: time.Now()}
		c, err := s.getConsumer(ctx, tx, in.Business, in.Phone)
		if err != nil {
			return err
		}
		var active *session.Session
		if c.ActiveSession != "" {
			active = &session.Session{}
			if err := getInto(tx, s.sessionRef(c.ActiveSession), active); err != nil {
				return err
			}
		}
		var then followup.Followups
		res.Outcome, then = decide(c, active)
		sid := ""
		if res.Outcome.Session != nil {
			sid = res.Outcome.Session.ID
		}
		rec.SessionID, rec.Followups = sid, then
		if err := s.writeOutcome(ctx, tx, c, res.Outcome, in.MessageSID, &rec); err != nil {
			return err
		}
		res.Outbox = rec.Send
		return tx.Create(rref, receipt{SessionID: sid, Outbox: res.Outbox, At: in.At})
	})
	if IsAlreadyExists(err) {
		if res, rec, found, derr := s.appliedBefore(ctx, rref, in.MessageSID); derr != nil || found {
			return res, rec, derr
		}
	}
	if err != nil {
		return session.Applied{}, followup.Record{}, fmt.Errorf("apply inbound %s: %w", in.MessageSID, err)
	}
	return res, rec, nil
}

// appliedBefore reads the receipt of a text applied before and the follow-ups it left that
// are still pending; found is false when there is no receipt.
func (s *Store) appliedBefore(ctx context.Context, rref *firestore.DocumentRef, messageSID string) (session.Applied, followup.Record, bool, error) {
	var res session.Applied
	var rec followup.Record
	found := false
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		res, rec, found = session.Applied{}, followup.Record{ID: "in-" + messageSID}, false
		rsnap, err := tx.Get(rref)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read receipt: %w", err)
		}
		var r receipt
		if err := rsnap.DataTo(&r); err != nil {
			return fmt.Errorf("decode receipt: %w", err)
		}
		found, res.Duplicate, res.Outbox = true, true, r.Outbox
		last := ""
		if n := len(r.Outbox); n > 0 {
			last = r.Outbox[n-1]
		}
		rec, err = s.pendingRecord(tx, rec.ID, last)
		return err
	})
	if err != nil {
		return session.Applied{}, followup.Record{}, false, fmt.Errorf("apply inbound %s again: %w", messageSID, err)
	}
	return res, rec, found, nil
}

// writeOutcome stores an outcome inside a transaction: consumer, chat, entries (of the chat,
// or stand-alone messages named after idPrefix), the freed agent's load, a missed or
// withdrawn offer (the miss recorded, the offer slot freed), and the follow-ups
// rec (whose sends it sets: the entries to send).
func (s *Store) writeOutcome(ctx context.Context, tx *firestore.Transaction, before session.Consumer, o session.Outcome, idPrefix string, rec *followup.Record) error {
	cref := s.consumerRef(o.Consumer.Business, o.Consumer.Phone)
	if err := s.writeConsumer(ctx, tx, before, o.Consumer); err != nil {
		return err
	}
	if a := o.FreedAgent; a != "" {
		if err := tx.Set(s.agentRef(a), map[string]any{"activeChats": firestore.Increment(-1), hasRoom: true}, firestore.MergeAll); err != nil {
			return err
		}
	}
	if err := s.writeOffersLeft(tx, o); err != nil {
		return err
	}
	if o.Session != nil {
		if err := tx.Set(s.sessionRef(o.Session.ID), o.Session); err != nil {
			return err
		}
	}
	var msgs []message
	var send []string
	for i, e := range o.Entries {
		ref := cref.Collection(subMessages).Doc(fmt.Sprintf("%s-%d", idPrefix, i))
		if o.Session != nil {
			ref = s.entryRef(o.Session.ID, e.Seq)
		}
		msgs = append(msgs, message{ref: ref, e: e})
		if e.ToSend() {
			send = append(send, relPath(ref))
		}
	}
	rec.Send = append(send, rec.Send...)
	return s.writeChange(tx, msgs, rec)
}

// ApplyTimer fires a due timer on its chat in one transaction and stores what it changed,
// with its follow-ups in the outbox. A stale timer (outdated generation, ended chat) changes
// nothing.
func (s *Store) ApplyTimer(ctx context.Context, t session.Timer, fire func(session.Consumer, session.Session) (session.Fired, followup.Followups)) (session.Fired, followup.Record, error) {
	var res session.Fired
	var rec followup.Record
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		res = session.Fired{}
		rec = followup.Record{ID: fmt.Sprintf("timer-%s-%s-%d", t.SessionID, t.Kind, t.Generation), SessionID: t.SessionID, At: time.Now()}
		var c session.Session
		snap, err := tx.Get(s.sessionRef(t.SessionID))
		if isNotFound(err) {
			res.Stale = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("read chat %s: %w", t.SessionID, err)
		}
		if err := snap.DataTo(&c); err != nil {
			return fmt.Errorf("decode chat %s: %w", t.SessionID, err)
		}
		cons, err := s.getConsumer(ctx, tx, c.Business, c.Phone)
		if err != nil {
			return err
		}
		var then followup.Followups
		if res, then = fire(cons, c); res.Stale {
			return nil
		}
		rec.Followups = then
		return s.writeOutcome(ctx, tx, cons, res.Outcome, rec.ID, &rec)
	})
	if err != nil {
		return session.Fired{}, followup.Record{}, fmt.Errorf("fire %s timer of %s: %w", t.Kind, t.SessionID, err)
	}
	return res, rec, nil
}

// DueChats lists chats with a deadline at or before t, for the sweeper.
func (s *Store) DueChats(ctx context.Context, t time.Time, limit int) ([]session.Session, error) {
	return s.sessions(ctx, s.fs.Collection(colSessions).Where("nextDeadline", "<=", t).OrderBy("nextDeadline", firestore.Asc).Limit(limit))
}

// EndedChats lists chats that ended in [from, to), oldest first, for the CRM's resend.
func (s *Store) EndedChats(ctx context.Context, from, to time.Time, limit int) ([]session.Session, error) {
	return s.sessions(ctx, s.fs.Collection(colSessions).Where("endedAt", ">=", from).Where("endedAt", "<", to).OrderBy("endedAt", firestore.Asc).Limit(limit))
}

// getInto reads a document into v inside a transaction; a missing document leaves v as is.
func getInto(tx *firestore.Transaction, ref *firestore.DocumentRef, v any) error {
	return decodeIfExists(tx.Get, ref, v)
}

func (s *Store) sessionRef(id string) *firestore.DocumentRef {
	return s.fs.Collection(colSessions).Doc(id)
}

func (s *Store) entryRef(sessionID string, seq int) *firestore.DocumentRef {
	return s.sessionRef(sessionID).Collection(subEntries).Doc(fmt.Sprintf("%06d", seq))
}

// relPath is a document's path inside the database ("sessions/x/transcript/000001"), the form
// outbox messages carry on the bus and in status callback URLs.
func relPath(ref *firestore.DocumentRef) string {
	const marker = "/documents/"
	return ref.Path[strings.Index(ref.Path, marker)+len(marker):]
}

// Session reads one chat.
func (s *Store) Session(ctx context.Context, id string) (session.Session, error) {
	var out session.Session
	if err := checkID("chat", id); err != nil {
		return out, err
	}
	snap, err := s.sessionRef(id).Get(ctx)
	if isNotFound(err) {
		return out, fmt.Errorf("chat %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return out, fmt.Errorf("read chat %s: %w", id, err)
	}
	if err := snap.DataTo(&out); err != nil {
		return out, fmt.Errorf("decode chat %s: %w", id, err)
	}
	return out, nil
}

// Transcript returns a chat's entries in order.
func (s *Store) Transcript(ctx context.Context, sessionID string) ([]session.Entry, error) {
	return s.TranscriptAfter(ctx, sessionID, 0)
}

// TranscriptAfter reads a chat's entries after seq after in order; each costs a read, so a
// reader that has seen the first ones reads only what came since.
func (s *Store) TranscriptAfter(ctx context.Context, sessionID string, after int) ([]session.Entry, error) {
	if err := checkID("chat", sessionID); err != nil {
		return nil, err
	}
	q := s.sessionRef(sessionID).Collection(subEntries).OrderBy("seq", firestore.Asc)
	if after > 0 {
		q = s.sessionRef(sessionID).Collection(subEntries).Where("seq", ">", after).OrderBy("seq", firestore.Asc)
	}
	docs, err := q.Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("read transcript of %s after line %d: %w", sessionID, after, err)
	}
	out := make([]session.Entry, 0, len(docs))
	for _, d := range docs {
		var e session.Entry
		if err := d.DataTo(&e); err != nil {
			return nil, fmt.Errorf("decode %s: %w", d.Ref.Path, err)
		}
		e.Fold()
		out = append(out, e)
	}
	return out, nil
}

// Receipt tells whether an inbound text was applied, to which chat, and which messages it sent.
func (s *Store) Receipt(ctx context.Context, business, phone, messageSID string) (sessionID string, outbox []string, found bool, err error) {
	r, _, found, err := s.readReceipt(ctx, business, phone, messageSID)
	return r.SessionID, r.Outbox, found, err
}

// ReceiptStored tells whether an inbound text was applied, to which chat, and when: the
// creation time of its receipt, which the commit that applied the text wrote (for timing the
// pipeline from Firestore's own clock rather than from when a poll found it).
func (s *Store) ReceiptStored(ctx context.Context, business, phone, messageSID string) (sessionID string, at time.Time, found bool, err error) {
	r, at, found, err := s.readReceipt(ctx, business, phone, messageSID)
	return r.SessionID, at, found, err
}

// readReceipt reads an inbound text's receipt and when it was created; found is false when
// the text was not applied.
func (s *Store) readReceipt(ctx context.Context, business, phone, messageSID string) (receipt, time.Time, bool, error) {
	var r receipt
	snap, err := s.consumerRef(business, phone).Collection(subReceipts).Doc(messageSID).Get(ctx)
	if isNotFound(err) {
		return r, time.Time{}, false, nil
	}
	if err != nil {
		return r, time.Time{}, false, fmt.Errorf("read receipt %s: %w", messageSID, err)
	}
	if err := snap.DataTo(&r); err != nil {
		return receipt{}, time.Time{}, false, fmt.Errorf("decode receipt %s: %w", messageSID, err)
	}
	return r, snap.CreateTime, true, nil
}

// Sessions reads chats by id in one round trip; ids that name no chat (or cannot) are left
// out.
func (s *Store) Sessions(ctx context.Context, ids []string) (map[string]session.Session, error) {
	var refs []*firestore.DocumentRef
	for _, id := range ids {
		if checkID("chat", id) == nil {
			refs = append(refs, s.sessionRef(id))
		}
	}
	out := map[string]session.Session{}
	if len(refs) == 0 {
		return out, nil
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read %d chats: %w", len(refs), err)
	}
	for _, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		var c session.Session
		if err := snap.DataTo(&c); err != nil {
			return nil, fmt.Errorf("decode chat %s: %w", snap.Ref.ID, err)
		}
		out[snap.Ref.ID] = c
	}
	return out, nil
}

// UnattendedChats lists chats of the lines of business (every line when lines is nil) that
// ended before before with no agent holding them, the most recently ended first.
func (s *Store) UnattendedChats(ctx context.Context, lines []string, before time.Time, limit int) ([]session.Session, error) {
	if lines == nil {
		return s.sessions(ctx, s.fs.Collection(colSessions).Where("state", "==", string(session.Ended)).Where("agentId", "==", "").
			Where("endedAt", "<", before).OrderBy("endedAt", firestore.Desc).Limit(limit))
	}
	// Firestore takes at most 30 values for "in": more lines take more queries, merged.
	var out []session.Session
	for chunk := range slices.Chunk(lines, 30) {
		got, err := s.sessions(ctx, s.fs.Collection(colSessions).Where("state", "==", string(session.Ended)).Where("agentId", "==", "").
			Where("lineOfBusiness", "in", chunk).Where("endedAt", "<", before).OrderBy("endedAt", firestore.Desc).Limit(limit))
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	slices.SortFunc(out, func(a, b session.Session) int { return b.EndedAt.Compare(a.EndedAt) })
	return out[:min(limit, len(out))], nil
}
