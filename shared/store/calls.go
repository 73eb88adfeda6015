package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
)

const colCalls = "calls"

// Call is a voice call as the carrier's webhooks reported it, for the texts tied to it.
type Call struct {
	CallSID   string    `firestore:"callSid"`
	From      string    `firestore:"from"`
	To        string    `firestore:"to"`
	Status    string    `firestore:"status"`
	Ended     bool      `firestore:"ended"`
	UpdatedAt time.Time `firestore:"updatedAt"`
	// AgentID is the agent who answered the call (the carrier's bridge to them), once known.
	AgentID    string    `firestore:"agentId,omitempty"`
	AnsweredAt time.Time `firestore:"answeredAt,omitempty"`
}

// RecordCall stores a call's latest status. Once ended a call stays ended: a late or
// retried webhook of an earlier status does not bring it back.
func (s *Store) RecordCall(ctx context.Context, c Call) error {
	if err := checkID("call", c.CallSID); err != nil {
		return err
	}
	ref := s.fs.Collection(colCalls).Doc(c.CallSID)
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if err != nil && !isNotFound(err) {
			return err
		}
		if err == nil {
			var cur Call
			if err := snap.DataTo(&cur); err != nil {
				return err
			}
			if cur.Ended {
				return nil
			}
			c.AgentID, c.AnsweredAt = cur.AgentID, cur.AnsweredAt // who answered stays known
		}
		return tx.Set(ref, c)
	})
	if err != nil {
		return fmt.Errorf("record call %s: %w", c.CallSID, err)
	}
	return nil
}

// AnswerCall records that agentID answered call sid at at. ErrNotFound when the carrier never
// reported the call; the first agent to answer stays recorded (a retried bridge changes
// nothing), and ErrCallTaken reports another agent's answer.
func (s *Store) AnswerCall(ctx context.Context, sid, agentID string, at time.Time) error {
	if err := checkID("call", sid); err != nil {
		return err
	}
	if err := checkID("agent", agentID); err != nil {
		return err
	}
	ref := s.fs.Collection(colCalls).Doc(sid)
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		var cur Call
		if err := getInto(tx, ref, &cur); err != nil {
			return err
		}
		if cur.CallSID == "" {
			return ErrNotFound
		}
		switch cur.AgentID {
		case agentID:
			return nil
		case "":
			return tx.Update(ref, []firestore.Update{{Path: "agentId", Value: agentID}, {Path: "answeredAt", Value: at}})
		}
		return fmt.Errorf("%w by agent %s", ErrCallTaken, cur.AgentID)
	})
	if err != nil {
		return fmt.Errorf("call %s answered by %s: %w", sid, agentID, err)
	}
	return nil
}

// ErrCallTaken reports a call another agent answered first.
var ErrCallTaken = errors.New("the call was answered")

// CallBySID reads a call; ErrNotFound when the carrier never reported it.
func (s *Store) CallBySID(ctx context.Context, sid string) (Call, error) {
	var c Call
	if err := checkID("call", sid); err != nil {
		return c, err
	}
	snap, err := s.fs.Collection(colCalls).Doc(sid).Get(ctx)
	if isNotFound(err) {
		return c, fmt.Errorf("call %s: %w", sid, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read call %s: %w", sid, err)
	}
	return c, snap.DataTo(&c)
}
