package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
)

const subSeen = "seen"

// seenMark is how far an agent has read a chat: agents/{agent}/seen/{chat}.
type seenMark struct {
	Seq int       `firestore:"seq"`
	At  time.Time `firestore:"at"`
}

// MarkSeen records that the agent has read the chat up to transcript line seq. It only moves
// forward, so a page opened from an older view cannot make lines unread again.
func (s *Store) MarkSeen(ctx context.Context, agentID, sessionID string, seq int, now time.Time) error {
	if err := checkID("agent", agentID); err != nil {
		return err
	}
	if err := checkID("chat", sessionID); err != nil {
		return err
	}
	ref := s.agentRef(agentID).Collection(subSeen).Doc(sessionID)
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		var m seenMark
		snap, err := tx.Get(ref)
		if err != nil && !isNotFound(err) {
			return err
		}
		if err == nil {
			if err := snap.DataTo(&m); err != nil {
				return err
			}
		}
		if m.Seq >= seq {
			return nil
		}
		return tx.Set(ref, seenMark{Seq: seq, At: now})
	})
	if err != nil {
		return fmt.Errorf("mark chat %s seen by %s: %w", sessionID, agentID, err)
	}
	return nil
}

// Seen reads how far the agent has read each of the chats: the last seq seen, 0 for a chat
// never opened.
func (s *Store) Seen(ctx context.Context, agentID string, sessionIDs []string) (map[string]int, error) {
	out := map[string]int{}
	if err := checkID("agent", agentID); err != nil {
		return out, err
	}
	refs := make([]*firestore.DocumentRef, 0, len(sessionIDs))
	for _, id := range sessionIDs {
		if checkID("chat", id) == nil {
			refs = append(refs, s.agentRef(agentID).Collection(subSeen).Doc(id))
		}
	}
	if len(refs) == 0 {
		return out, nil
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("chats seen by %s: %w", agentID, err)
	}
	for _, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		var m seenMark
		if err := snap.DataTo(&m); err != nil {
			return nil, fmt.Errorf("decode %s: %w", snap.Ref.Path, err)
		}
		out[snap.Ref.ID] = m.Seq
	}
	return out, nil
}
