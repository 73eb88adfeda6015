package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
)

const subNotes = "notes"

// Note is a private note on a chat: agents and supervisors who may read the chat see it; it
// is never sent to the consumer nor put in the CRM transcript.
type Note struct {
	ID      string    `firestore:"-"`
	AgentID string    `firestore:"agentId"`
	Body    string    `firestore:"body"`
	At      time.Time `firestore:"at"`
}

// AddNote stores a note on a chat (sessions/{id}/notes) and returns it with its id.
func (s *Store) AddNote(ctx context.Context, sessionID string, n Note) (Note, error) {
	if err := checkID("chat", sessionID); err != nil {
		return n, err
	}
	ref := s.sessionRef(sessionID).Collection(subNotes).NewDoc()
	if _, err := ref.Create(ctx, n); err != nil {
		return n, fmt.Errorf("add note to chat %s: %w", sessionID, err)
	}
	n.ID = ref.ID
	return n, nil
}

// Notes lists a chat's notes, oldest first.
func (s *Store) Notes(ctx context.Context, sessionID string) ([]Note, error) {
	if err := checkID("chat", sessionID); err != nil {
		return nil, err
	}
	docs, err := s.sessionRef(sessionID).Collection(subNotes).OrderBy("at", firestore.Asc).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("notes of chat %s: %w", sessionID, err)
	}
	out := make([]Note, 0, len(docs))
	for _, d := range docs {
		var n Note
		if err := d.DataTo(&n); err != nil {
			return nil, fmt.Errorf("decode note %s: %w", d.Ref.Path, err)
		}
		n.ID = d.Ref.ID
		out = append(out, n)
	}
	return out, nil
}
