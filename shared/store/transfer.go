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

// Transfer stores a transfer of a chat held by from in one transaction. It loads the chat and
// the target agent toAgent (none when toAgent is "", a transfer to a queue) and lets decide
// change the chat (session.Transfer); decide's error refuses the transfer and is returned
// wrapped. It writes the chat, the entries appended, the loads of the agent who takes the
// chat and of from, and the follow-ups then returns on the moved chat.
func (s *Store) Transfer(ctx context.Context, sessionID, from, toAgent string, now time.Time,
	decide func(*session.Session, *agent.Agent) (session.Handover, error), then func(*session.Session) followup.Followups) (followup.Record, error) {
	if err := checkID("chat", sessionID); err != nil {
		return followup.Record{}, fmt.Errorf("chat %s: %w", ids.Short(sessionID), session.ErrNotHeld)
	}
	if toAgent != "" {
		if err := checkID("agent", toAgent); err != nil {
			return followup.Record{}, err
		}
	}
	var rec followup.Record
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		var c session.Session
		if err := getInto(tx, s.sessionRef(sessionID), &c); err != nil {
			return err
		}
		var target *agent.Agent
		if toAgent != "" {
			target = &agent.Agent{}
			if err := getInto(tx, s.agentRef(toAgent), target); err != nil {
				return err
			}
		}
		rec = followup.Record{ID: fmt.Sprintf("transfer-%s-%d", sessionID, c.Seq+1), SessionID: sessionID, At: now}
		h, err := decide(&c, target)
		if err != nil {
			return fmt.Errorf("agent %s: %w", from, err)
		}
		if h.To != "" {
			if target == nil || h.To != toAgent {
				return fmt.Errorf("the transfer names agent %s, not the agent loaded (%s)", h.To, toAgent)
			}
			if err := tx.Update(s.agentRef(h.To), takesChat(*target, now)); err != nil {
				return err
			}
		}
		if err := tx.Update(s.agentRef(from), []firestore.Update{{Path: "activeChats", Value: firestore.Increment(-1)}, {Path: hasRoom, Value: true}}); err != nil {
			return err
		}
		msgs := s.appended(sessionID, h.Appended, true, &rec)
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

// appended is the messages to write for a change's entries, create when each must be new; the
// entries to send join rec.
func (s *Store) appended(sessionID string, a session.Appended, create bool, rec *followup.Record) []message {
	msgs := make([]message, 0, len(a.Entries))
	for _, e := range a.Entries {
		msgs = append(msgs, message{ref: s.entryRef(sessionID, e.Seq), e: e, create: create})
	}
	for _, seq := range a.Send {
		rec.Send = append(rec.Send, relPath(s.entryRef(sessionID, seq)))
	}
	return msgs
}
