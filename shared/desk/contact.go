package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/crmsync"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Contacts is where the desk reads and records the chats' CRM contacts.
type Contacts interface {
	CRMStates(ctx context.Context, sessionIDs []string) (map[string]store.CRMSync, error)
	ChooseContact(ctx context.Context, sessionID, id string, decide func(*store.CRMSync) (bool, followup.Followups, error)) (followup.Record, error)
}

// ErrNoSuchChoice reports a contact the chat does not offer, or a chat with nothing to choose.
var ErrNoSuchChoice = errors.New("no such contact choice")

// withContacts adds each chat's CRM contact state.
func (d *Desk) withContacts(ctx context.Context, chats []Chat) error {
	if d.Contacts == nil || len(chats) == 0 {
		return nil
	}
	ids := make([]string, len(chats))
	for i, c := range chats {
		ids[i] = c.Session.ID
	}
	states, err := d.Contacts.CRMStates(ctx, ids)
	if err != nil {
		return err
	}
	for i := range chats {
		chats[i].CRM = states[chats[i].Session.ID]
	}
	return nil
}

// ChooseContact answers the CRM's question for one of the agent's chats whose number matches
// several contacts: contactID is one of the candidates, or create asks for a new contact. The
// sync then goes on with it.
func (d *Desk) ChooseContact(ctx context.Context, agentID, sessionID, contactID string, create bool) error {
	contactID = strings.TrimSpace(contactID)
	if (contactID == "") == !create {
		return fmt.Errorf(`%w: send either "contactId" (one of the chat's candidates) or "create": true`, ErrInvalid)
	}
	s, err := d.Store.Session(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && s.AgentID != agentID) {
		return fmt.Errorf("chat %s: %w", ids.Short(sessionID), ErrNotYourChat)
	}
	if err != nil {
		return err
	}
	choice := contactID
	if create {
		choice = store.ChoiceNew
	}
	sum := sha256.Sum256([]byte(choice))
	id := fmt.Sprintf("contact-%s-%s", sessionID, hex.EncodeToString(sum[:8]))
	rec, err := d.Contacts.ChooseContact(ctx, sessionID, id, func(st *store.CRMSync) (bool, followup.Followups, error) {
		changed, err := crmsync.Choose(sessionID, st, choice)
		return changed, ContactChosen(sessionID), err
	})
	if err != nil {
		if errors.Is(err, crmsync.ErrBadChoice) {
			return fmt.Errorf("%w: %s", ErrNoSuchChoice, err.Error())
		}
		return err
	}
	d.Log.Info("CRM contact chosen", "session", sessionID, "agent", agentID, "choice", choice)
	d.Followups.Settle(ctx, rec)
	return nil
}

// ContactChosen is what an agent's choice of a chat's contact leaves to do: announce it, so the
// CRM sync goes on with the contact.
func ContactChosen(sessionID string) followup.Followups {
	return followup.Followups{Events: []chatevents.Event{{Type: chatevents.ContactChosen, SessionID: sessionID}}}
}
