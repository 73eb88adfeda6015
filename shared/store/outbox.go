package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/smsdesk/smsdesk/shared/session"
)

// UpdateEntry reads an outbound entry at path together with its consumer and lets change
// modify the entry, which is written only when change reports true. The write is conditional
// on the entry not having changed since it was read (else it is read again), so the sender's
// claim, its own status update and the carrier's callbacks never wait on each other's locks.
func (s *Store) UpdateEntry(ctx context.Context, path string, change func(e *session.Entry, c session.Consumer) bool) (session.Entry, error) {
	return s.updateEntry(ctx, path, true, change)
}

// UpdateStatus is UpdateEntry for changes that do not depend on the consumer (statuses).
func (s *Store) UpdateStatus(ctx context.Context, path string, change func(e *session.Entry) bool) (session.Entry, error) {
	return s.updateEntry(ctx, path, false, func(e *session.Entry, _ session.Consumer) bool { return change(e) })
}

func (s *Store) updateEntry(ctx context.Context, path string, withConsumer bool, change func(*session.Entry, session.Consumer) bool) (session.Entry, error) {
	if !IsMessagePath(path) {
		return session.Entry{}, fmt.Errorf("not a message path %q: %w", path, ErrNotFound)
	}
	ref := s.fs.Doc(path)
	for attempt := 0; attempt < 10; attempt++ {
		snap, err := ref.Get(ctx)
		if isNotFound(err) {
			return session.Entry{}, fmt.Errorf("message %s: %w", path, ErrNotFound)
		}
		if err != nil {
			return session.Entry{}, fmt.Errorf("read %s: %w", path, err)
		}
		var e session.Entry
		if err := snap.DataTo(&e); err != nil {
			return e, fmt.Errorf("decode %s: %w", path, err)
		}
		c := session.Consumer{Business: e.Business, Phone: e.Phone}
		if withConsumer {
			if c, err = s.Consumer(ctx, e.Business, e.Phone); err != nil {
				return e, err
			}
		}
		if !change(&e, c) {
			return e, nil
		}
		_, err = ref.Update(ctx, []firestore.Update{
			{Path: "status", Value: e.Status}, {Path: "messageSid", Value: e.MessageSID}, {Path: "errorCode", Value: e.ErrorCode},
			{Path: "claimedAt", Value: e.ClaimedAt}, {Path: "notBefore", Value: e.NotBefore},
			{Path: "encoding", Value: e.Encoding}, {Path: "segments", Value: e.Segments},
			// The follow-ups riding on the message were carried out before it was published.
			{Path: fieldFollowups, Value: firestore.Delete},
		}, firestore.LastUpdateTime(snap.UpdateTime))
		if status.Code(err) == codes.FailedPrecondition {
			continue // changed since read: decide again on the new state
		}
		if err != nil {
			return e, fmt.Errorf("update %s: %w", path, err)
		}
		return e, nil
	}
	return session.Entry{}, fmt.Errorf("update %s: too much contention", path)
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
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		c, err := s.getConsumer(ctx, tx, business, phone)
		if err != nil {
			return err
		}
		if !c.OptOut(time.Now().UTC(), source) {
			return nil
		}
		if err := tx.Set(s.consumerRef(business, phone), c); err != nil {
			return err
		}
		return s.mirrorBrandOptOut(ctx, tx, c)
	})
	if err != nil {
		return fmt.Errorf("mark %s opted out of %s: %w", phone, business, err)
	}
	return nil
}

// Consumer reads the record of a consumer phone on a business number, opted out too when
// their brand-wide ledger entry says so.
func (s *Store) Consumer(ctx context.Context, business, phone string) (session.Consumer, error) {
	c, err := s.readConsumer(ctx, func(ref *firestore.DocumentRef) (*firestore.DocumentSnapshot, error) { return ref.Get(ctx) }, business, phone)
	if err != nil {
		return c, fmt.Errorf("read consumer %s: %w", phone, err)
	}
	return c, nil
}

func (s *Store) consumerRef(business, phone string) *firestore.DocumentRef {
	return s.fs.Collection(colConsumers).Doc(session.ConsumerID(business, phone))
}
