package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

const colBrandOptOuts = "brandOptOuts"

// brandRef names the brand-wide ledger entry of a phone, or nil when the number's opt-outs
// stay with the number.
func (s *Store) brandRef(ctx context.Context, business, phone string) (*firestore.DocumentRef, error) {
	line, err := s.Line(ctx, business)
	if err != nil {
		return nil, err
	}
	if !line.BrandWideOptOut() {
		return nil, nil
	}
	brand := strings.NewReplacer("/", "_", "|", "_").Replace(line.Number.Brand)
	return s.fs.Collection(colBrandOptOuts).Doc(brand + "|" + phone), nil
}

// getConsumer reads a consumer inside a transaction, opted out too when their brand-wide
// ledger entry says so.
func (s *Store) getConsumer(ctx context.Context, tx *firestore.Transaction, business, phone string) (session.Consumer, error) {
	return s.readConsumer(ctx, tx.Get, business, phone)
}

// readConsumer reads a consumer with get (a transaction's or a plain read) and merges the
// brand-wide ledger: the copy of it on the record when there is one, else the ledger itself,
// which is then kept on the consumer (c.Brand) for the record's next write.
//
// The copy is current because every ledger change is written in one commit with the copy on
// each existing record of the phone on the brand's numbers (mirrorBrandOptOut); a record that
// does not exist yet, or was written before copies were kept, reads the ledger, and in a
// transaction that read conflicts with a ledger change as the record's would.
func (s *Store) readConsumer(ctx context.Context, get func(*firestore.DocumentRef) (*firestore.DocumentSnapshot, error), business, phone string) (session.Consumer, error) {
	c := session.Consumer{Business: business, Phone: phone}
	if err := decodeIfExists(get, s.consumerRef(business, phone), &c); err != nil {
		return c, err
	}
	if c.Brand != nil {
		return c.WithBrandOptOut(*c.Brand), nil
	}
	ref, err := s.brandRef(ctx, business, phone)
	if err != nil || ref == nil {
		return c, err
	}
	var b session.BrandOptOut
	if err := decodeIfExists(get, ref, &b); err != nil {
		return c, err
	}
	c.Brand = &b
	return c.WithBrandOptOut(b), nil
}

// writeConsumer stores consumer c inside a transaction when it differs from before, and, when
// their opt-out changed on a number whose scope is the brand, the brand's ledger and its copy
// on this record and on the phone's records of the brand's other numbers.
func (s *Store) writeConsumer(ctx context.Context, tx *firestore.Transaction, before, c session.Consumer) error {
	if c.OptedOut != before.OptedOut {
		b, err := s.mirrorBrandOptOut(ctx, tx, c)
		if err != nil {
			return err
		}
		if b != nil {
			c.Brand = b
		}
	}
	if reflect.DeepEqual(c, before) {
		return nil
	}
	return tx.Set(s.consumerRef(c.Business, c.Phone), c)
}

// mirrorBrandOptOut writes a consumer's opt-out (or opt-in) to the brand-wide ledger when
// the number's scope is the brand, with its copy on the phone's records of the brand's other
// numbers (written blind: a record that did not exist holds only the copy), and returns the
// entry; nil when the number's opt-outs stay with it.
func (s *Store) mirrorBrandOptOut(ctx context.Context, tx *firestore.Transaction, c session.Consumer) (*session.BrandOptOut, error) {
	ref, err := s.brandRef(ctx, c.Business, c.Phone)
	if err != nil || ref == nil {
		return nil, err
	}
	b := c.BrandOptOut()
	if err := tx.Set(ref, b); err != nil {
		return nil, fmt.Errorf("brand opt-out of %s: %w", c.Phone, err)
	}
	siblings, err := s.brandNumbers(ctx, c.Business)
	if err != nil {
		return nil, err
	}
	for _, n := range siblings {
		copyOf := map[string]any{"business": n, "phone": c.Phone, "brand": b}
		if err := tx.Set(s.consumerRef(n, c.Phone), copyOf, firestore.MergeAll); err != nil {
			return nil, fmt.Errorf("brand opt-out of %s on %s: %w", c.Phone, n, err)
		}
	}
	return &b, nil
}

// brandNumbers are the other numbers of business's brand whose opt-outs are the brand's. An
// opt-out is rare, so they are read each time rather than cached.
func (s *Store) brandNumbers(ctx context.Context, business string) ([]string, error) {
	line, err := s.Line(ctx, business)
	if err != nil {
		return nil, err
	}
	docs, err := s.fs.Collection(colNumbers).Where("brand", "==", line.Number.Brand).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("numbers of brand %q: %w", line.Number.Brand, err)
	}
	var out []string
	for _, d := range docs {
		var n config.Number
		if err := d.DataTo(&n); err != nil {
			return nil, fmt.Errorf("decode number %s: %w", d.Ref.ID, err)
		}
		if n.Number != business && config.NewLine(n, nil).BrandWideOptOut() {
			out = append(out, n.Number)
		}
	}
	return out, nil
}

// getOutside is the read decodeIfExists and readConsumer take outside a transaction: a plain
// get of the document.
func getOutside(ctx context.Context) func(*firestore.DocumentRef) (*firestore.DocumentSnapshot, error) {
	return func(ref *firestore.DocumentRef) (*firestore.DocumentSnapshot, error) { return ref.Get(ctx) }
}

// decodeIfExists reads a document into v with get; a missing document leaves v as is.
func decodeIfExists(get func(*firestore.DocumentRef) (*firestore.DocumentSnapshot, error), ref *firestore.DocumentRef, v any) error {
	snap, err := get(ref)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", ref.Path, err)
	}
	if err := snap.DataTo(v); err != nil {
		return fmt.Errorf("decode %s: %w", ref.Path, err)
	}
	return nil
}
