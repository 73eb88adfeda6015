package store

import (
	"context"
	"fmt"
	"strings"

	"cloud.google.com/go/firestore"

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
// brand-wide ledger.
func (s *Store) readConsumer(ctx context.Context, get func(*firestore.DocumentRef) (*firestore.DocumentSnapshot, error), business, phone string) (session.Consumer, error) {
	c := session.Consumer{Business: business, Phone: phone}
	if err := decodeIfExists(get, s.consumerRef(business, phone), &c); err != nil {
		return c, err
	}
	ref, err := s.brandRef(ctx, business, phone)
	if err != nil || ref == nil {
		return c, err
	}
	var b session.BrandOptOut
	if err := decodeIfExists(get, ref, &b); err != nil {
		return c, err
	}
	return c.WithBrandOptOut(b), nil
}

// mirrorBrandOptOut writes a consumer's opt-out (or opt-in) to the brand-wide ledger when
// the number's scope is the brand.
func (s *Store) mirrorBrandOptOut(ctx context.Context, tx *firestore.Transaction, c session.Consumer) error {
	ref, err := s.brandRef(ctx, c.Business, c.Phone)
	if err != nil || ref == nil {
		return err
	}
	if err := tx.Set(ref, c.BrandOptOut()); err != nil {
		return fmt.Errorf("brand opt-out of %s: %w", c.Phone, err)
	}
	return nil
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
