package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/session"
)

const subReplyKeys = "replyKeys"

// AgentChange is a change an agent makes to a chat.
type AgentChange struct {
	SessionID, AgentID string
	Now                time.Time
	// Decide changes the loaded chat at the change's time (Now as stored) and returns what
	// the change appends, or an error refusing it (session.AppendByAgent), which
	// AppendByAgent returns wrapped.
	Decide func(c *session.Session, now time.Time) (session.Appended, error)
	// Key, when set, makes the change once per agent and key: a change with a key stored
	// before is not made again, and its entries are returned as first stored (Replayed).
	// RequestHash tells the request apart; the same key with another request is ErrKeyReused.
	Key, RequestHash string
	// Then, when set, sees the changed chat before it is stored (to plan its timers) and
	// returns the change's follow-ups.
	Then func(*session.Session) followup.Followups
}

// AgentApplied is a stored agent change: its entries as stored (sequence numbers and times
// filled in) and its follow-ups, the entries to send among them.
type AgentApplied struct {
	Entries []session.Entry
	Record  followup.Record
	// Replayed is set when the change had been made before with the same key.
	Replayed bool
}

type replyKey struct {
	RequestHash string    `firestore:"requestHash"`
	Seqs        []int     `firestore:"seqs"`
	Record      string    `firestore:"record"`
	At          time.Time `firestore:"at"`
}

// AppendByAgent stores an agent's change to a chat in one transaction: it loads the chat,
// lets ch.Decide change it, and writes the chat, the entries appended and the follow-ups.
func (s *Store) AppendByAgent(ctx context.Context, ch AgentChange) (AgentApplied, error) {
	if err := checkID("chat", ch.SessionID); err != nil {
		return AgentApplied{}, fmt.Errorf("chat %s: %w", ids.Short(ch.SessionID), session.ErrNotHeld)
	}
	if ch.Decide == nil {
		return AgentApplied{}, fmt.Errorf("chat %s: the change decides nothing", ch.SessionID)
	}
	sessionID, agentID := ch.SessionID, ch.AgentID
	now := ch.Now.UTC().Truncate(time.Microsecond) // what Firestore keeps, so entries tell the stored time
	var out AgentApplied
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		out = AgentApplied{}
		var kref *firestore.DocumentRef
		if ch.Key != "" {
			sum := sha256.Sum256([]byte(agentID + "\x00" + ch.Key))
			kref = s.sessionRef(sessionID).Collection(subReplyKeys).Doc(hex.EncodeToString(sum[:]))
			if done, err := s.replay(tx, kref, ch, &out); done || err != nil {
				return err
			}
		}
		var c session.Session
		if err := getInto(tx, s.sessionRef(sessionID), &c); err != nil {
			return err
		}
		out.Record = followup.Record{ID: fmt.Sprintf("agent-%s-%d", sessionID, c.Seq+1), SessionID: sessionID, At: now}
		a, err := ch.Decide(&c, now)
		if err != nil {
			return fmt.Errorf("chat %s, agent %s: %w", sessionID, agentID, err)
		}
		out.Entries = a.Entries
		var writes []func() error
		msgs := s.appended(sessionID, a, false, &out.Record)
		var seqs []int
		for _, e := range a.Entries {
			seqs = append(seqs, e.Seq)
		}
		if ch.Then != nil {
			out.Record.Add(ch.Then(&c))
		}
		writes = append(writes, func() error { return tx.Set(s.sessionRef(sessionID), c) })
		if kref != nil {
			writes = append(writes, func() error {
				return tx.Create(kref, replyKey{RequestHash: ch.RequestHash, Seqs: seqs, Record: out.Record.ID, At: now})
			})
		}
		for _, w := range writes {
			if err := w(); err != nil {
				return err
			}
		}
		return s.writeChange(tx, msgs, &out.Record)
	})
	if err != nil {
		return AgentApplied{}, fmt.Errorf("update chat %s: %w", sessionID, err)
	}
	return out, nil
}

// ErrKeyReused reports an agent reply's Idempotency-Key stored before with another request.
var ErrKeyReused = errors.New("idempotency key was used with a different request")

// replay answers a change whose key was stored before: its entries as stored and its
// follow-ups when they are still pending. It reports false when the key is new.
func (s *Store) replay(tx *firestore.Transaction, kref *firestore.DocumentRef, ch AgentChange, out *AgentApplied) (bool, error) {
	snap, err := tx.Get(kref)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read idempotency key: %w", err)
	}
	var k replyKey
	if err := snap.DataTo(&k); err != nil {
		return false, fmt.Errorf("decode idempotency key: %w", err)
	}
	if k.RequestHash != ch.RequestHash {
		return false, fmt.Errorf("chat %s: %w", ch.SessionID, ErrKeyReused)
	}
	out.Entries, out.Replayed = nil, true
	for _, seq := range k.Seqs {
		var e session.Entry
		if err := getInto(tx, s.entryRef(ch.SessionID, seq), &e); err != nil {
			return false, err
		}
		e.Fold()
		out.Entries = append(out.Entries, e)
	}
	last := ""
	if n := len(k.Seqs); n > 0 {
		last = relPath(s.entryRef(ch.SessionID, k.Seqs[n-1]))
	}
	out.Record, err = s.pendingRecord(tx, k.Record, last)
	return true, err
}
