package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// UpdateEntry reads the message at path with its consumer and lets change decide on it; when
// change returns true the message is written with the follow-ups change added to then, in
// one atomic write: in the outbox when they must survive a crash, so the relay carries them
// out if the caller cannot. The caller carries out the returned record.
func (s *Store) UpdateEntry(ctx context.Context, path string, change func(e *session.Entry, c session.Consumer, then *followup.Followups) bool) (session.Entry, followup.Record, error) {
	return s.updateEntry(ctx, path, true, change)
}

// UpdateStatus is UpdateEntry for changes that do not depend on the consumer (statuses).
func (s *Store) UpdateStatus(ctx context.Context, path string, change func(e *session.Entry, then *followup.Followups) bool) (session.Entry, followup.Record, error) {
	return s.updateEntry(ctx, path, false, func(e *session.Entry, _ session.Consumer, then *followup.Followups) bool { return change(e, then) })
}

func (s *Store) updateEntry(ctx context.Context, path string, withConsumer bool, change func(*session.Entry, session.Consumer, *followup.Followups) bool) (session.Entry, followup.Record, error) {
	if !IsMessagePath(path) {
		return session.Entry{}, followup.Record{}, fmt.Errorf("not a message path %q: %w", path, ErrNotFound)
	}
	ref := s.fs.Doc(path)
	for attempt := 0; attempt < 10; attempt++ {
		snap, known, err := s.readMessage(ctx, ref, withConsumer)
		if isNotFound(err) {
			return session.Entry{}, followup.Record{}, fmt.Errorf("message %s: %w", path, ErrNotFound)
		}
		if err != nil {
			return session.Entry{}, followup.Record{}, fmt.Errorf("read %s: %w", path, err)
		}
		var e session.Entry
		if err := snap.DataTo(&e); err != nil {
			return e, followup.Record{}, fmt.Errorf("decode %s: %w", path, err)
		}
		e.Fold()
		e.Version = snap.UpdateTime
		c := session.Consumer{Business: e.Business, Phone: e.Phone}
		if withConsumer {
			if c, err = s.readConsumer(ctx, known.get(ctx), e.Business, e.Phone); err != nil {
				return e, followup.Record{}, fmt.Errorf("read consumer %s: %w", e.Phone, err)
			}
		}
		var then followup.Followups
		if !change(&e, c, &then) {
			return e, followup.Record{}, nil
		}
		rec := messageRecord(path, e, then)
		updated, err := s.writeEntry(ctx, ref, snap.UpdateTime, e, rec)
		if status.Code(err) == codes.FailedPrecondition {
			continue // changed since read: decide again on the new state
		}
		if err != nil {
			return e, followup.Record{}, fmt.Errorf("update %s: %w", path, err)
		}
		e.Version = updated
		return e, rec, nil
	}
	return session.Entry{}, followup.Record{}, fmt.Errorf("update %s: too much contention", path)
}

// readMessage reads the message at ref. A consumer's stand-alone message (consumers/{id}/
// messages/{m}) is read with its consumer's record in one call when the change needs the
// consumer: the sender's claim then waits for one round trip, not two.
func (s *Store) readMessage(ctx context.Context, ref *firestore.DocumentRef, withConsumer bool) (*firestore.DocumentSnapshot, readAlready, error) {
	cref := ref.Parent.Parent
	if !withConsumer || ref.Parent.ID != subMessages || cref == nil || cref.Parent.ID != colConsumers {
		snap, err := ref.Get(ctx)
		return snap, readAlready{}, err
	}
	snaps, err := s.fs.GetAll(ctx, []*firestore.DocumentRef{ref, cref})
	if err != nil {
		return nil, readAlready{}, err
	}
	if !snaps[0].Exists() {
		return nil, readAlready{}, status.Errorf(codes.NotFound, "%s not found", ref.Path)
	}
	return snaps[0], readAlready{snaps[1]}, nil
}

// readAlready is a document read before it was asked for (nil: none).
type readAlready struct{ snap *firestore.DocumentSnapshot }

// get reads a document, or answers with the one read already, as ref.Get would.
func (r readAlready) get(ctx context.Context) func(*firestore.DocumentRef) (*firestore.DocumentSnapshot, error) {
	return func(ref *firestore.DocumentRef) (*firestore.DocumentSnapshot, error) {
		if r.snap == nil || ref.Path != r.snap.Ref.Path {
			return ref.Get(ctx)
		}
		if !r.snap.Exists() {
			return r.snap, status.Errorf(codes.NotFound, "%s not found", ref.Path)
		}
		return r.snap, nil
	}
}

// messageRecord names the follow-ups of a message's change after the message and the state
// it reached, so a change decided again after a crash writes the same record.
func messageRecord(path string, e session.Entry, then followup.Followups) followup.Record {
	id := fmt.Sprintf("msg-%s-%s-%d", strings.ReplaceAll(path, "/", "|"), e.Status, e.NotBefore.Unix())
	r := followup.Record{ID: id, At: time.Now(), Followups: then}
	r.Stored = then.Durable()
	return r
}

// writeEntry writes a message's delivery fields if it is unchanged since updated, with its
// change's record in the outbox in the same commit when the record must be stored.
// It returns the message's new update time when it knows it (zero after a transaction).
//
// A write that came back Canceled may have been applied (the emulator cancels calls under
// contention), and written again it would fail its own precondition: the caller would decide
// again on a message it had just claimed and take the claim for another attempt's, holding
// the message for StaleClaim. So the message is read, and a write that landed stands.
func (s *Store) writeEntry(ctx context.Context, ref *firestore.DocumentRef, updated time.Time, e session.Entry, rec followup.Record) (time.Time, error) {
	fields := []firestore.Update{
		{Path: "status", Value: e.Status}, {Path: "messageSid", Value: e.MessageSID}, {Path: "errorCode", Value: e.ErrorCode},
		{Path: "claimedAt", Value: e.ClaimedAt}, {Path: "notBefore", Value: e.NotBefore},
		{Path: "encoding", Value: e.Encoding}, {Path: "segments", Value: e.Segments}, {Path: "acceptedAt", Value: e.AcceptedAt},
		{Path: fieldRecheckAt, Value: orDelete(e.RecheckAt)},
		// The follow-ups riding on the message were carried out before it was published.
		{Path: fieldFollowups, Value: firestore.Delete},
	}
	if !rec.Stored {
		var err error
		for range txCancelRetries {
			var wr *firestore.WriteResult
			if wr, err = ref.Update(ctx, fields, firestore.LastUpdateTime(updated)); err == nil {
				return wr.UpdateTime, nil
			}
			if status.Code(err) != codes.Canceled || ctx.Err() != nil {
				return time.Time{}, err
			}
			at, ok, lerr := s.writtenAs(ctx, ref, updated, e)
			if lerr != nil {
				return time.Time{}, fmt.Errorf("%w; and reading whether it landed: %w", err, lerr)
			}
			if ok {
				return at, nil
			}
		}
		return time.Time{}, err
	}
	if err := checkID("follow-ups", rec.ID); err != nil {
		return time.Time{}, err
	}
	return time.Time{}, s.commitOnce(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Update(ref, fields, firestore.LastUpdateTime(updated)); err != nil {
			return err
		}
		return tx.Set(s.outboxRef(rec.ID), rec)
	}, func(ctx context.Context) (bool, error) {
		_, ok, err := s.writtenAs(ctx, ref, updated, e)
		return ok, err
	})
}

// writtenAs reports whether the message at ref changed since updated to e's delivery state,
// as writeEntry writes it, and when. Attempts differ by their claim's instant, and the
// carrier's answers by its sid.
func (s *Store) writtenAs(ctx context.Context, ref *firestore.DocumentRef, updated time.Time, e session.Entry) (time.Time, bool, error) {
	snap, err := getOutside(ctx)(ref)
	if err != nil {
		return time.Time{}, false, err
	}
	var got session.Entry
	if err := snap.DataTo(&got); err != nil {
		return time.Time{}, false, fmt.Errorf("decode %s: %w", ref.Path, err)
	}
	same := func(a, b time.Time) bool { return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond)) }
	ok := snap.UpdateTime.After(updated) && got.Status == e.Status && got.MessageSID == e.MessageSID &&
		got.ErrorCode == e.ErrorCode && same(got.ClaimedAt, e.ClaimedAt) && same(got.NotBefore, e.NotBefore) &&
		same(got.AcceptedAt, e.AcceptedAt)
	return snap.UpdateTime, ok, nil
}

// UpdateStatusOn is UpdateStatus decided on known, the message as this caller last wrote it
// (known.Version): it is written on the condition that the message is unchanged since, with
// no read. When it changed (a status callback came first), when its version is unknown, or
// when change finds nothing to do on known, it is UpdateStatus: read, decide, write.
func (s *Store) UpdateStatusOn(ctx context.Context, path string, known session.Entry, change func(e *session.Entry, then *followup.Followups) bool) (session.Entry, followup.Record, error) {
	if known.Version.IsZero() || !IsMessagePath(path) {
		return s.UpdateStatus(ctx, path, change)
	}
	e := known
	var then followup.Followups
	if !change(&e, &then) {
		return s.UpdateStatus(ctx, path, change)
	}
	rec := messageRecord(path, e, then)
	updated, err := s.writeEntry(ctx, s.fs.Doc(path), known.Version, e, rec)
	switch code := status.Code(err); {
	case code == codes.FailedPrecondition || code == codes.NotFound:
		return s.UpdateStatus(ctx, path, change)
	case err != nil:
		return e, followup.Record{}, fmt.Errorf("update %s: %w", path, err)
	}
	e.Version = updated
	return e, rec, nil
}

// IsMessagePath accepts only transcript and stand-alone message documents, so a path taken
// from a callback URL cannot name any other document.
func IsMessagePath(path string) bool {
	p := strings.Split(path, "/")
	if len(p) != 4 || !ValidID(p[1]) || !ValidID(p[3]) {
		return false
	}
	return (p[0] == colSessions && p[2] == subEntries) || (p[0] == colConsumers && p[2] == subMessages)
}

// MarkOptedOut records an opt-out learned from the carrier (error 21610) in the ledger, and
// in the brand-wide one when the number's scope is the brand. An opt-out already on record
// (the consumer's own STOP) stands: its time and source are kept.
func (s *Store) MarkOptedOut(ctx context.Context, business, phone, source string) error {
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		c, err := s.getConsumer(ctx, tx, business, phone)
		if err != nil {
			return err
		}
		before := c
		if !c.OptOut(time.Now().UTC(), source) {
			return nil
		}
		return s.writeConsumer(ctx, tx, before, c)
	})
	if err != nil {
		return fmt.Errorf("mark %s opted out of %s: %w", phone, business, err)
	}
	return nil
}

// Consumer reads the record of a consumer phone on a business number, opted out too when
// their brand-wide ledger entry says so.
func (s *Store) Consumer(ctx context.Context, business, phone string) (session.Consumer, error) {
	c, err := s.readConsumer(ctx, getOutside(ctx), business, phone)
	if err != nil {
		return c, fmt.Errorf("read consumer %s: %w", phone, err)
	}
	return c, nil
}

// ConsumerRecord reads a consumer's record alone, without the brand's opt-out ledger: for what
// the record says of them (their time zone), never whether they may be texted (Consumer).
func (s *Store) ConsumerRecord(ctx context.Context, business, phone string) (session.Consumer, error) {
	c := session.Consumer{Business: business, Phone: phone}
	if err := decodeIfExists(getOutside(ctx), s.consumerRef(business, phone), &c); err != nil {
		return c, fmt.Errorf("read consumer %s: %w", phone, err)
	}
	return c, nil
}

func (s *Store) consumerRef(business, phone string) *firestore.DocumentRef {
	return s.fs.Collection(colConsumers).Doc(session.ConsumerID(business, phone))
}
