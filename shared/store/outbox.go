package store

import (
	"context"
	"fmt"
	"strings"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/session"
)

// UpdateEntry reads an outbound entry at path together with its consumer in one transaction
// and lets change modify the entry; the entry is written only when change reports true.
func (s *Store) UpdateEntry(ctx context.Context, path string, change func(e *session.Entry, c session.Consumer) bool) (session.Entry, error) {
	if !validEntryPath(path) {
		return session.Entry{}, fmt.Errorf("not a message path %q: %w", path, ErrNotFound)
	}
	ref := s.fs.Doc(path)
	var e session.Entry
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		e = session.Entry{}
		if err := snap.DataTo(&e); err != nil {
			return fmt.Errorf("decode %s: %w", path, err)
		}
		c := session.Consumer{Business: e.Business, Phone: e.Phone}
		if err := getInto(tx, s.consumerRef(e.Business, e.Phone), &c); err != nil {
			return err
		}
		if !change(&e, c) {
			return nil
		}
		return tx.Set(ref, e)
	})
	if isNotFound(err) {
		return e, fmt.Errorf("message %s: %w", path, ErrNotFound)
	}
	return e, err
}

// validEntryPath accepts only transcript and stand-alone message documents, so a path taken
// from a callback URL cannot name any other document.
func validEntryPath(path string) bool {
	p := strings.Split(path, "/")
	if len(p) != 4 || p[0] == "" || p[1] == "" || p[3] == "" {
		return false
	}
	return (p[0] == colSessions && p[2] == subEntries) || (p[0] == colConsumers && p[2] == subMessages)
}

// MarkOptedOut records an opt-out learned from the carrier (error 21610) in the ledger.
func (s *Store) MarkOptedOut(ctx context.Context, business, phone, source string) error {
	_, err := s.consumerRef(business, phone).Set(ctx, map[string]any{
		"business": business, "phone": phone, "optedOut": true,
		"optedOutAt": firestore.ServerTimestamp, "optOutSource": source,
	}, firestore.MergeAll)
	if err != nil {
		return fmt.Errorf("mark %s opted out of %s: %w", phone, business, err)
	}
	return nil
}

// Consumer reads the record of a consumer phone on a business number.
func (s *Store) Consumer(ctx context.Context, business, phone string) (session.Consumer, error) {
	c := session.Consumer{Business: business, Phone: phone}
	snap, err := s.consumerRef(business, phone).Get(ctx)
	if isNotFound(err) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read consumer %s: %w", phone, err)
	}
	return c, snap.DataTo(&c)
}

func (s *Store) consumerRef(business, phone string) *firestore.DocumentRef {
	return s.fs.Collection(colConsumers).Doc(session.ConsumerID(business, phone))
}
