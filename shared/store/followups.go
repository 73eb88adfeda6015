package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/followup"
)

// colOutbox holds the follow-ups of committed changes until they are carried out.
const colOutbox = "outbox"

func (s *Store) outboxRef(id string) *firestore.DocumentRef {
	return s.fs.Collection(colOutbox).Doc(id)
}

// writeFollowups records r in the outbox inside the change's transaction, when its follow-ups
// must survive a crash (followup.Followups.Durable), and marks it Stored.
func (s *Store) writeFollowups(tx *firestore.Transaction, r *followup.Record) error {
	r.Stored = false
	if !r.Durable() {
		return nil
	}
	if err := checkID("follow-ups", r.ID); err != nil {
		return err
	}
	if err := tx.Set(s.outboxRef(r.ID), r); err != nil {
		return fmt.Errorf("record follow-ups %s: %w", r.ID, err)
	}
	r.Stored = true
	return nil
}

// Done removes a carried-out record from the outbox.
func (s *Store) Done(ctx context.Context, id string) error {
	if _, err := s.outboxRef(id).Delete(ctx); err != nil {
		return fmt.Errorf("remove follow-ups %s: %w", id, err)
	}
	return nil
}

// PendingFollowups lists outbox records written before before, oldest first.
func (s *Store) PendingFollowups(ctx context.Context, before time.Time, limit int) ([]followup.Record, error) {
	docs, err := s.fs.Collection(colOutbox).Where("at", "<", before).OrderBy("at", firestore.Asc).Limit(limit).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("list pending follow-ups: %w", err)
	}
	out := make([]followup.Record, 0, len(docs))
	for _, d := range docs {
		var r followup.Record
		if err := d.DataTo(&r); err != nil {
			return nil, fmt.Errorf("decode follow-ups %s: %w", d.Ref.ID, err)
		}
		r.Stored = true
		out = append(out, r)
	}
	return out, nil
}

// Followups reads one pending record; found is false once it was carried out.
func (s *Store) Followups(ctx context.Context, id string) (r followup.Record, found bool, err error) {
	if checkID("follow-ups", id) != nil {
		return r, false, nil
	}
	snap, err := s.outboxRef(id).Get(ctx)
	if isNotFound(err) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("read follow-ups %s: %w", id, err)
	}
	if err := snap.DataTo(&r); err != nil {
		return r, false, fmt.Errorf("decode follow-ups %s: %w", id, err)
	}
	r.Stored = true
	return r, true, nil
}

// SupervisorIDs lists the ids of the supervisors serving a queue.
func (s *Store) SupervisorIDs(ctx context.Context, queueID string) ([]string, error) {
	sups, err := s.Supervisors(ctx, queueID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(sups))
	for _, a := range sups {
		out = append(out, a.ID)
	}
	return out, nil
}

// AddNotice adds notice n to an agent's feed under id, once: a second call with the same id
// adds nothing.
func (s *Store) AddNotice(ctx context.Context, agentID, id string, n followup.Notice) error {
	if err := checkID("agent", agentID); err != nil {
		return err
	}
	e := AgentEvent{Type: n.Type, SessionID: n.SessionID, Queue: n.Queue, From: n.From, Note: n.Note, Reason: n.Reason, At: n.At}
	_, err := s.agentRef(agentID).Collection(subEvents).Doc(id).Create(ctx, e)
	if err != nil && !IsAlreadyExists(err) {
		return fmt.Errorf("add notice %s for %s: %w", n.Type, agentID, err)
	}
	return nil
}
