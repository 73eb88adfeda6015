package store

import (
	"context"
	"fmt"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/session"
)

// ResolveOptOut reads a chat (ended ones too) and its consumer in one transaction, lets
// decide settle a possible opt-out request, and stores the outcome: consumer (and the
// brand-wide ledger), chat, transcript lines and the freed agent's load. It returns the
// outcome and the paths of the messages to send.
func (s *Store) ResolveOptOut(ctx context.Context, sessionID string, decide func(session.Consumer, session.Session) (session.Outcome, error)) (session.Outcome, []string, error) {
	var out session.Outcome
	var outbox []string
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		var chat session.Session
		if err := getInto(tx, s.sessionRef(sessionID), &chat); err != nil {
			return err
		}
		if chat.ID == "" {
			return fmt.Errorf("chat %s: %w", sessionID, ErrNotFound)
		}
		c, err := s.getConsumer(ctx, tx, chat.Business, chat.Phone)
		if err != nil {
			return err
		}
		if out, err = decide(c, chat); err != nil {
			return err
		}
		outbox, err = s.writeOutcome(ctx, tx, c, out, "optout-"+sessionID)
		return err
	})
	if err != nil {
		return session.Outcome{}, nil, fmt.Errorf("resolve opt-out in chat %s: %w", sessionID, err)
	}
	return out, outbox, nil
}
