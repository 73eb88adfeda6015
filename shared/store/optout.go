package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// ResolveOptOut is ChangeChat for settling a possible opt-out request.
func (s *Store) ResolveOptOut(ctx context.Context, sessionID string, decide func(session.Consumer, session.Session) (session.Outcome, followup.Followups, error)) (session.Outcome, followup.Record, error) {
	return s.ChangeChat(ctx, sessionID, "optout", decide)
}

// ChangeChat reads a chat (ended ones too) and its consumer in one transaction, lets decide
// change them (an agent's end, the settling of a possible opt-out request: change names it),
// and stores the outcome: consumer (and the brand-wide ledger), chat, transcript lines, the
// freed agent's load, and its follow-ups (with the messages to send).
func (s *Store) ChangeChat(ctx context.Context, sessionID, change string, decide func(session.Consumer, session.Session) (session.Outcome, followup.Followups, error)) (session.Outcome, followup.Record, error) {
	var out session.Outcome
	var rec followup.Record
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
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
		var then followup.Followups
		if out, then, err = decide(c, chat); err != nil {
			return err
		}
		rec = followup.Record{ID: fmt.Sprintf("%s-%s-%d", change, sessionID, chat.Seq), SessionID: sessionID, At: time.Now()}
		rec.Followups = then
		return s.writeOutcome(ctx, tx, c, out, change+"-"+sessionID, &rec)
	})
	if err != nil {
		return session.Outcome{}, followup.Record{}, fmt.Errorf("%s chat %s: %w", change, sessionID, err)
	}
	return out, rec, nil
}
