package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TransferTarget is where a chat goes: another agent or a queue.
type TransferTarget struct {
	Agent string
	Queue string
	// Priority is the target queue's, for ordering the chat among those waiting there.
	Priority int
}

// Transfer moves a chat held by from to the target in one transaction: the chat changes hands
// (or goes back to waiting in the target queue), both agents' loads change, and the entries
// are appended. build sees the locked chat and target agent (nil for a queue); it returns the
// entries to append, or an error refusing the transfer, which Transfer returns wrapped. then
// sees the moved chat before it is stored (to plan its timers) and returns the follow-ups,
// which are stored with the transfer.
func (s *Store) Transfer(ctx context.Context, sessionID, from string, to TransferTarget, now time.Time,
	build func(session.Session, *agent.Agent) ([]session.Entry, error), then func(*session.Session) followup.Followups) (followup.Record, error) {
	if err := checkID("chat", sessionID); err != nil {
		return followup.Record{}, fmt.Errorf("chat %s: %w", ids.Short(sessionID), session.ErrNotHeld)
	}
	if to.Agent != "" {
		if err := checkID("agent", to.Agent); err != nil {
			return followup.Record{}, err
		}
	}
	var rec followup.Record
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		var c session.Session
		if err := getInto(tx, s.sessionRef(sessionID), &c); err != nil {
			return err
		}
		if err := c.ActableBy(from); err != nil {
			return fmt.Errorf("chat %s, agent %s: %w", sessionID, from, err)
		}
		var target *agent.Agent
		if to.Agent != "" {
			target = &agent.Agent{}
			if err := getInto(tx, s.agentRef(to.Agent), target); err != nil {
				return err
			}
		}
		entries, err := build(c, target)
		if err != nil {
			return err
		}
		rec = followup.Record{ID: fmt.Sprintf("transfer-%s-%d", sessionID, c.Seq+1), SessionID: sessionID, At: now}
		var msgs []message
		if a := target; a != nil {
			c.TransferToAgent(from, to.Agent, now)
			if err := tx.Update(s.agentRef(to.Agent), []firestore.Update{
				{Path: "activeChats", Value: a.ActiveChats + 1}, {Path: "lastAssignedAt", Value: now},
			}); err != nil {
				return err
			}
		} else {
			c.TransferToQueue(from, to.Queue, to.Priority, now)
		}
		for _, e := range entries {
			c.Seq++
			e.Seq, e.At, e.Business, e.Phone = c.Seq, now, c.Business, c.Phone
			ref := s.entryRef(sessionID, e.Seq)
			msgs = append(msgs, message{ref: ref, e: e, create: true})
			if e.Status == session.StatusPending {
				rec.Send = append(rec.Send, relPath(ref))
			}
		}
		if err := tx.Update(s.agentRef(from), []firestore.Update{{Path: "activeChats", Value: firestore.Increment(-1)}}); err != nil {
			return err
		}
		if then != nil {
			rec.Add(then(&c))
		}
		if err := s.writeChange(tx, msgs, &rec); err != nil {
			return err
		}
		return tx.Set(s.sessionRef(sessionID), c)
	})
	if err != nil {
		return followup.Record{}, fmt.Errorf("transfer chat %s: %w", sessionID, err)
	}
	return rec, nil
}
