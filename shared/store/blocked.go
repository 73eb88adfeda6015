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

// blockedStamp is the document every block and unblock rewrites: its update time tells an
// instance whether its copy of the list is current.
const blockedStamp = "blockedNumbers"

// blockedCache is this instance's copy of the blocked numbers. Every text and call asks
// whether its number is blocked, and the list changes rarely: the copy is checked against the
// stamp document at most every ttl (one read) and read again whole only when the stamp moved.
type blockedCache struct {
	numbers map[string]bool
	stamp   time.Time // the stamp document's update time; zero: no stamp (data from before it)
	checked time.Time
	loaded  bool
}

// Blocked reports whether phone (an E.164 number, checked by the caller) is blocked. A block
// or unblock made through this store counts at once; one made elsewhere within the cache's
// life (10 s), as configuration does.
func (s *Store) Blocked(ctx context.Context, phone string) (bool, error) {
	if err := checkID("phone number", phone); err != nil {
		return false, nil
	}
	s.mu.Lock()
	c := s.blocked
	s.mu.Unlock()
	if c.loaded && time.Since(c.checked) < s.ttl {
		return c.numbers[phone], nil
	}
	v, err, _ := s.loads.Do("blocked", func() (any, error) { return s.loadBlocked(ctx, c) })
	if err != nil {
		return false, err
	}
	return v.(map[string]bool)[phone], nil
}

// loadBlocked reads the stamp and, when it moved since c (or there is none), the list.
func (s *Store) loadBlocked(ctx context.Context, c blockedCache) (map[string]bool, error) {
	s.mu.Lock()
	gen := s.gen
	s.mu.Unlock()
	var stamp time.Time
	snap, err := s.fs.Collection(colSettings).Doc(blockedStamp).Get(ctx)
	switch {
	case err == nil:
		stamp = snap.UpdateTime
	case !isNotFound(err):
		return nil, fmt.Errorf("read the blocked numbers' stamp: %w", err)
	}
	if !c.loaded || stamp.IsZero() || !stamp.Equal(c.stamp) {
		list, err := s.BlockedNumbers(ctx)
		if err != nil {
			return nil, err
		}
		c.numbers = make(map[string]bool, len(list))
		for _, b := range list {
			c.numbers[b.Number] = true
		}
	}
	c.stamp, c.checked, c.loaded = stamp, time.Now(), true
	s.mu.Lock()
	if s.gen == gen {
		s.blocked = c
	}
	s.mu.Unlock()
	return c.numbers, nil
}

// changeBlocked applies change (a write of the list) and rewrites the stamp in the same
// transaction, then drops this instance's copy.
func (s *Store) changeBlocked(ctx context.Context, change func(*firestore.Transaction) error) error {
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := change(tx); err != nil {
			return err
		}
		return tx.Set(s.fs.Collection(colSettings).Doc(blockedStamp), map[string]any{"changedAt": firestore.ServerTimestamp})
	})
	s.mu.Lock()
	s.gen++
	s.blocked = blockedCache{}
	s.mu.Unlock()
	return err
}

// Block adds (or replaces) a blocked number.
func (s *Store) Block(ctx context.Context, b BlockedNumber) error {
	if err := checkID("phone number", b.Number); err != nil {
		return err
	}
	err := s.changeBlocked(ctx, func(tx *firestore.Transaction) error {
		return tx.Set(s.fs.Collection(colBlocked).Doc(b.Number), b)
	})
	if err != nil {
		return fmt.Errorf("block %s: %w", b.Number, err)
	}
	return nil
}

// Unblock removes a blocked number; ErrNotFound when it was not blocked.
func (s *Store) Unblock(ctx context.Context, phone string) error {
	if err := checkID("phone number", phone); err != nil {
		return ErrNotFound
	}
	err := s.changeBlocked(ctx, func(tx *firestore.Transaction) error {
		return tx.Delete(s.fs.Collection(colBlocked).Doc(phone), firestore.Exists)
	})
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
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
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
