package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/reports"
)

// Collections of blocked numbers: the admin's list, and one record per dropped call or text.
const (
	colBlocked      = "blockedNumbers"
	colBlockedDrops = "blockedDrops"
)

// BlockedNumber is a phone number whose calls are rejected and texts dropped.
type BlockedNumber struct {
	Number  string    `firestore:"number" json:"number"`
	Reason  string    `firestore:"reason,omitempty" json:"reason,omitempty"`
	AddedBy string    `firestore:"addedBy,omitempty" json:"addedBy,omitempty"`
	AddedAt time.Time `firestore:"addedAt" json:"addedAt"`
}

// BlockedDrop records one call or text of a blocked number that smsdesk dropped.
type BlockedDrop struct {
	ID       string `firestore:"id" json:"id"`             // the CallSid or MessageSid
	Channel  string `firestore:"channel" json:"channel"`   // "call" or "sms"
	Number   string `firestore:"number" json:"number"`     // the blocked caller
	Business string `firestore:"business" json:"business"` // the number they called or texted
	// LineOfBusiness is the business number's, whose report counts the drop.
	LineOfBusiness string    `firestore:"lineOfBusiness,omitempty" json:"lineOfBusiness,omitempty"`
	At             time.Time `firestore:"at" json:"at"`
}

// Blocked reports whether phone (an E.164 number, checked by the caller) is blocked.
func (s *Store) Blocked(ctx context.Context, phone string) (bool, error) {
	if err := checkID("phone number", phone); err != nil {
		return false, nil
	}
	_, err := s.fs.Collection(colBlocked).Doc(phone).Get(ctx)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read blocked number %s: %w", phone, err)
	}
	return true, nil
}

// Block adds (or replaces) a blocked number.
func (s *Store) Block(ctx context.Context, b BlockedNumber) error {
	if err := checkID("phone number", b.Number); err != nil {
		return err
	}
	if _, err := s.fs.Collection(colBlocked).Doc(b.Number).Set(ctx, b); err != nil {
		return fmt.Errorf("block %s: %w", b.Number, err)
	}
	return nil
}

// Unblock removes a blocked number; ErrNotFound when it was not blocked.
func (s *Store) Unblock(ctx context.Context, phone string) error {
	if err := checkID("phone number", phone); err != nil {
		return ErrNotFound
	}
	_, err := s.fs.Collection(colBlocked).Doc(phone).Delete(ctx, firestore.Exists)
	if isNotFound(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("unblock %s: %w", phone, err)
	}
	return nil
}

// BlockedNumbers lists the blocked numbers.
func (s *Store) BlockedNumbers(ctx context.Context) ([]BlockedNumber, error) {
	out := []BlockedNumber{}
	if err := readAll(ctx, s.fs.Collection(colBlocked).OrderBy("number", firestore.Asc), &out); err != nil {
		return nil, fmt.Errorf("blocked numbers: %w", err)
	}
	return out, nil
}

// RecordBlocked records a dropped call or text once, and counts it in the rollup of its line
// of business in the same transaction: a retried webhook or redelivered text with the same
// id adds nothing.
func (s *Store) RecordBlocked(ctx context.Context, d BlockedDrop) error {
	if err := checkID("call or message id", d.ID); err != nil {
		return err
	}
	ref := s.fs.Collection(colBlockedDrops).Doc(d.ID)
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if _, err := tx.Get(ref); err == nil {
			return nil
		} else if !isNotFound(err) {
			return err
		}
		if err := s.writeCounts(tx, reports.Drop(d.LineOfBusiness, d.Channel, d.At)); err != nil {
			return err
		}
		return tx.Create(ref, d)
	})
	if err != nil {
		return fmt.Errorf("record blocked %s %s: %w", d.Channel, d.ID, err)
	}
	return nil
}

// BlockedDrops counts the dropped calls and texts of a blocked number, by channel.
func (s *Store) BlockedDrops(ctx context.Context, phone string) (map[string]int, error) {
	out := map[string]int{}
	var drops []BlockedDrop
	if err := readAll(ctx, s.fs.Collection(colBlockedDrops).Where("number", "==", phone), &drops); err != nil {
		return nil, fmt.Errorf("blocked drops of %s: %w", phone, err)
	}
	for _, d := range drops {
		out[d.Channel]++
	}
	return out, nil
}
