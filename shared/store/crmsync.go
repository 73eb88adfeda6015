package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// colCRMSync holds one document per chat: how far its CRM sync has gone.
const colCRMSync = "crmSync"

// ChoiceNew is the agent's answer "none of these: create a new contact".
const ChoiceNew = "new"

// CRMSync is how far one chat's CRM sync has gone.
type CRMSync struct {
	Adapter   string `firestore:"adapter"`
	ContactID string `firestore:"contactId"`
	// Candidates are the contacts that share the number when there are several; the sync waits
	// for the agent's Choice among them (or ChoiceNew).
	Candidates []Candidate `firestore:"candidates"`
	Choice     string      `firestore:"choice"`
	Started    bool        `firestore:"started"` // the opening event is posted
	Through    int         `firestore:"through"` // transcript entries up to this seq are posted
	Done       bool        `firestore:"done"`    // the end and the transcript are posted
}

// Waiting reports whether the sync waits for the agent to pick a contact.
func (s CRMSync) Waiting() bool { return s.ContactID == "" && len(s.Candidates) > 0 && s.Choice == "" }

// Candidate is a CRM contact the agent may pick.
type Candidate struct {
	ID    string `firestore:"id" json:"id"`
	Name  string `firestore:"name" json:"name,omitempty"`
	Email string `firestore:"email" json:"email,omitempty"`
}

// CRMState reads a chat's sync state; a chat never synced has the zero state.
func (s *Store) CRMState(ctx context.Context, sessionID string) (CRMSync, error) {
	states, err := s.CRMStates(ctx, []string{sessionID})
	return states[sessionID], err
}

// CRMStates reads the sync states of several chats at once (for the agent's chat list).
func (s *Store) CRMStates(ctx context.Context, sessionIDs []string) (map[string]CRMSync, error) {
	refs := make([]*firestore.DocumentRef, len(sessionIDs))
	for i, id := range sessionIDs {
		if err := checkID("chat", id); err != nil {
			return nil, err
		}
		refs[i] = s.fs.Collection(colCRMSync).Doc(id)
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read CRM sync of %d chats: %w", len(refs), err)
	}
	out := map[string]CRMSync{}
	for _, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		var st CRMSync
		if err := snap.DataTo(&st); err != nil {
			return nil, fmt.Errorf("decode CRM sync of %s: %w", snap.Ref.ID, err)
		}
		out[snap.Ref.ID] = st
	}
	return out, nil
}

// SaveCRMState writes the sync's own fields; the agent's choice, written concurrently by the
// agent API, is left as it is.
func (s *Store) SaveCRMState(ctx context.Context, sessionID string, st CRMSync) error {
	_, err := s.fs.Collection(colCRMSync).Doc(sessionID).Set(ctx, map[string]any{
		"adapter": st.Adapter, "contactId": st.ContactID, "candidates": st.Candidates,
		"started": st.Started, "through": st.Through, "done": st.Done, "updatedAt": time.Now().UTC(),
	}, firestore.Merge([]string{"adapter"}, []string{"contactId"}, []string{"candidates"},
		[]string{"started"}, []string{"through"}, []string{"done"}, []string{"updatedAt"}))
	if err != nil {
		return fmt.Errorf("save CRM sync of %s: %w", sessionID, err)
	}
	return nil
}

// ChooseContact records the agent's pick among a chat's candidate contacts. decide sees the
// chat's sync state inside the transaction (nil when the chat has none), refuses the pick with
// an error or sets its Choice, and reports whether it changed and what the pick leaves to do;
// the choice is written then, and the follow-ups with it, under id (unique to the pick).
func (s *Store) ChooseContact(ctx context.Context, sessionID, id string, decide func(*CRMSync) (bool, followup.Followups, error)) (followup.Record, error) {
	if err := checkID("chat", sessionID); err != nil {
		return followup.Record{}, err
	}
	ref := s.fs.Collection(colCRMSync).Doc(sessionID)
	var rec followup.Record
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		rec = followup.Record{ID: id, SessionID: sessionID, At: time.Now()}
		var st *CRMSync
		snap, err := tx.Get(ref)
		switch {
		case isNotFound(err):
		case err != nil:
			return fmt.Errorf("read CRM sync of %s: %w", sessionID, err)
		default:
			st = new(CRMSync)
			if err := snap.DataTo(st); err != nil {
				return fmt.Errorf("decode CRM sync of %s: %w", sessionID, err)
			}
		}
		changed, f, err := decide(st)
		if err != nil {
			return err
		}
		rec.Followups = f
		if changed {
			if err := tx.Update(ref, []firestore.Update{{Path: "choice", Value: st.Choice}}); err != nil {
				return err
			}
		}
		return s.writeChange(tx, nil, &rec)
	})
	if err != nil {
		return followup.Record{}, fmt.Errorf("choose contact of chat %s: %w", sessionID, err)
	}
	return rec, nil
}

// Entry reads the message stored at path (a transcript line or a one-way text).
func (s *Store) Entry(ctx context.Context, path string) (session.Entry, error) {
	var e session.Entry
	if !IsMessagePath(path) {
		return e, fmt.Errorf("not a message path %q: %w", path, ErrNotFound)
	}
	snap, err := s.fs.Doc(path).Get(ctx)
	if isNotFound(err) {
		return e, fmt.Errorf("message %s: %w", path, ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("read %s: %w", path, err)
	}
	if err := snap.DataTo(&e); err != nil {
		return e, fmt.Errorf("decode %s: %w", path, err)
	}
	e.Fold()
	return e, nil
}
