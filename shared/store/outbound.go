package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
)

const colAPIKeys = "apiKeys"

// ErrOptedOut reports a consumer who opted out; ErrBusy a consumer already in a chat; and
// ErrNoConsent a consumer with no consent on record.
var (
	ErrOptedOut  = errors.New("consumer opted out")
	ErrBusy      = errors.New("consumer is in a chat")
	ErrNoConsent = errors.New("no consent on record")
	// ErrOptOutPending reports a consumer whose possible opt-out request no agent has
	// resolved yet: no notification goes to them until then.
	ErrOptOutPending = errors.New("consumer may have asked to opt out")
)

// Consent is a consumer's agreement to receive texts, recorded with its source.
type Consent struct {
	Source string
	At     time.Time
}

// checkReachable applies the consumer's consent and opt-out state inside a transaction.
func checkReachable(c *session.Consumer, consent *Consent) error {
	if c.OptedOut {
		return fmt.Errorf("%w: %s opted out of %s on %s (%s)", ErrOptedOut, c.Phone, c.Business, c.OptedOutAt.Format(time.RFC3339), c.OptOutSource)
	}
	if c.ConsentAt.IsZero() {
		if consent == nil || consent.Source == "" {
			return fmt.Errorf("%w for %s on %s: pass consent.source (where and when the consumer agreed)", ErrNoConsent, c.Phone, c.Business)
		}
		c.ConsentAt, c.ConsentSource = consent.At, consent.Source
	}
	return nil
}

// CreateNotification stores a one-way text to a reachable consumer with its follow-ups (then
// gets the text's path) and returns them, the text's path first among the sends of a text
// sent now; timeZone, when given, is remembered as the consumer's.
func (s *Store) CreateNotification(ctx context.Context, id string, e session.Entry, consent *Consent, timeZone string, then func(path string) followup.Followups) (followup.Record, error) {
	cref := s.consumerRef(e.Business, e.Phone)
	ref := cref.Collection(subMessages).Doc(id)
	rec := followup.Record{ID: "notify-" + id, At: time.Now(), Followups: then(relPath(ref))}
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		c, err := s.getConsumer(ctx, tx, e.Business, e.Phone)
		if err != nil {
			return err
		}
		if err := checkReachable(&c, consent); err != nil {
			return err
		}
		if f := c.OptOutFlag; f != nil {
			return fmt.Errorf("%w: %s wrote %q in chat %s on %s; an agent must opt them out or dismiss it first",
				ErrOptOutPending, c.Phone, f.Wording, f.SessionID, f.At.Format(time.RFC3339))
		}
		c.LastNotificationAt = e.At
		if timeZone != "" {
			c.TimeZone = timeZone
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
// message's send.
func (s *Store) OpenOutbound(ctx context.Context, c session.Session, first session.Entry, consent *Consent, then func(*session.Session) followup.Followups) (followup.Record, error) {
	cref := s.consumerRef(c.Business, c.Phone)
	var rec followup.Record
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		cons, err := s.getConsumer(ctx, tx, c.Business, c.Phone)
		if err != nil {
			return err
		}
		var a routing.Agent
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
		if err := checkReachable(&cons, consent); err != nil {
			return err
		}
		if cons.ActiveSession != "" {
			return fmt.Errorf("%w %s; reply there through the agent API", ErrBusy, cons.ActiveSession)
		}
		cons.ActiveSession = c.ID
		first.Seq, c.Seq = 1, 1
		ref := s.entryRef(c.ID, 1)
		rec = followup.Record{ID: "open-" + c.ID, SessionID: c.ID, At: c.CreatedAt, Followups: followup.Followups{Send: []string{relPath(ref)}}}
		rec.Add(then(&c))
		if c.AgentID != "" {
			if err := tx.Update(s.agentRef(c.AgentID), []firestore.Update{{Path: "activeChats", Value: a.ActiveChats + 1}, {Path: "lastAssignedAt", Value: c.AssignedAt}}); err != nil {
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
