package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

const colAPIKeys = "apiKeys"

// CreateNotification stores a one-way text with its follow-ups (then gets the text's path) and
// returns them, the text's path first among the sends of a text sent now. decide sees the
// consumer inside the transaction: it refuses the text with an error or changes the consumer,
// who is written back.
func (s *Store) CreateNotification(ctx context.Context, id string, e session.Entry, decide func(*session.Consumer) error, then func(path string) followup.Followups) (followup.Record, error) {
	cref := s.consumerRef(e.Business, e.Phone)
	ref := cref.Collection(subMessages).Doc(id)
	rec := followup.Record{ID: "notify-" + id, At: time.Now(), Followups: then(relPath(ref))}
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		c, err := s.getConsumer(ctx, tx, e.Business, e.Phone)
		if err != nil {
			return err
		}
		if err := decide(&c); err != nil {
			return err
		}
		if err := tx.Set(cref, c); err != nil {
			return err
		}
		return s.writeChange(tx, []message{{ref: ref, e: e, create: true}}, &rec)
	})
	if err != nil {
		return followup.Record{}, fmt.Errorf("notification to %s: %w", e.Phone, err)
	}
	return rec, nil
}

// OpenOutbound opens a chat the business starts: owned by an agent (who takes it at once) or
// waiting in a queue. first is its opening message; then sees the chat before it is stored
// (to plan its timers) and returns the follow-ups, stored with the chat after the opening
// message's send. decide sees the consumer inside the transaction, after the owning agent is
// found: it refuses the chat with an error or changes the consumer, who is written back.
func (s *Store) OpenOutbound(ctx context.Context, c session.Session, first session.Entry, decide func(*session.Consumer) error, then func(*session.Session) followup.Followups) (followup.Record, error) {
	cref := s.consumerRef(c.Business, c.Phone)
	var rec followup.Record
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		cons, err := s.getConsumer(ctx, tx, c.Business, c.Phone)
		if err != nil {
			return err
		}
		var a agent.Agent
		if c.AgentID != "" {
			snap, err := tx.Get(s.agentRef(c.AgentID))
			if isNotFound(err) {
				return fmt.Errorf("agent %q: %w", c.AgentID, ErrNotFound)
			}
			if err != nil {
				return err
			}
			if err := snap.DataTo(&a); err != nil {
				return err
			}
		}
		if err := decide(&cons); err != nil {
			return err
		}
		first.Seq, c.Seq = 1, 1
		ref := s.entryRef(c.ID, 1)
		rec = followup.Record{ID: "open-" + c.ID, SessionID: c.ID, At: c.CreatedAt, Followups: followup.Followups{Send: []string{relPath(ref)}}}
		rec.Add(then(&c))
		if c.AgentID != "" {
			if err := tx.Update(s.agentRef(c.AgentID), takesChat(a, c.AssignedAt)); err != nil {
				return err
			}
		}
		if err := tx.Set(cref, cons); err != nil {
			return err
		}
		if err := tx.Create(s.sessionRef(c.ID), c); err != nil {
			return err
		}
		return s.writeChange(tx, []message{{ref: ref, e: first, create: true}}, &rec)
	})
	if err != nil {
		return followup.Record{}, fmt.Errorf("open chat with %s: %w", c.Phone, err)
	}
	return rec, nil
}

// APIKeyName finds the API key a secret belongs to and returns its id.
func (s *Store) APIKeyName(ctx context.Context, key string) (string, error) {
	docs, err := s.fs.Collection(colAPIKeys).Where("keyHash", "==", HashToken(key)).Limit(1).Documents(ctx).GetAll()
	if err != nil {
		return "", fmt.Errorf("look up API key: %w", err)
	}
	if len(docs) == 0 {
		return "", ErrNotFound
	}
	return docs[0].Ref.ID, nil
}
