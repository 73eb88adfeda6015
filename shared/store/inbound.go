package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/wire"
)

// colParked holds inbound texts the fallback webhook accepted but could not publish yet.
const colParked = "inboundParked"

type parkedText struct {
	MessageSID string          `firestore:"messageSid"`
	AccountSID string          `firestore:"accountSid"`
	From       string          `firestore:"from"`
	To         string          `firestore:"to"`
	Body       string          `firestore:"body"`
	Media      []session.Media `firestore:"media,omitempty"`
	OptOutType string          `firestore:"optOutType,omitempty"`
	ReceivedAt time.Time       `firestore:"receivedAt"`
}

// ParkInbound keeps an accepted text until it is published. Parking it again (the carrier's
// retry) overwrites it with the same text.
func (s *Store) ParkInbound(ctx context.Context, t wire.InboundText) error {
	if !ValidID(t.MessageSID) {
		return fmt.Errorf("park inbound: MessageSid %.48q cannot name a document", t.MessageSID)
	}
	p := parkedText{MessageSID: t.MessageSID, AccountSID: t.AccountSID, From: t.From, To: t.To, Body: t.Body,
		Media: t.Media, OptOutType: t.OptOutType, ReceivedAt: t.ReceivedAt}
	if _, err := s.fs.Collection(colParked).Doc(t.MessageSID).Set(ctx, p); err != nil {
		return fmt.Errorf("park inbound %s: %w", t.MessageSID, err)
	}
	return nil
}

// ParkedInbound returns up to limit parked texts, the oldest first.
func (s *Store) ParkedInbound(ctx context.Context, limit int) ([]wire.InboundText, error) {
	docs, err := s.fs.Collection(colParked).OrderBy("receivedAt", firestore.Asc).Limit(limit).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("read parked inbound texts: %w", err)
	}
	out := make([]wire.InboundText, 0, len(docs))
	for _, d := range docs {
		var p parkedText
		if err := d.DataTo(&p); err != nil {
			return nil, fmt.Errorf("read parked inbound text %s: %w", d.Ref.ID, err)
		}
		out = append(out, wire.InboundText{MessageSID: p.MessageSID, AccountSID: p.AccountSID, From: p.From, To: p.To,
			Body: p.Body, Media: p.Media, OptOutType: p.OptOutType, ReceivedAt: p.ReceivedAt})
	}
	return out, nil
}

// UnparkInbound forgets a parked text once it is published.
func (s *Store) UnparkInbound(ctx context.Context, messageSID string) error {
	if !ValidID(messageSID) {
		return fmt.Errorf("unpark inbound: MessageSid %.48q cannot name a document", messageSID)
	}
	if _, err := s.fs.Collection(colParked).Doc(messageSID).Delete(ctx); err != nil {
		return fmt.Errorf("unpark inbound %s: %w", messageSID, err)
	}
	return nil
}
