package agents

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/crmsync"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Contacts is where the desk reads and records the chats' CRM contacts.
type Contacts interface {
	CRMStates(ctx context.Context, sessionIDs []string) (map[string]store.CRMSync, error)
	ChooseContact(ctx context.Context, sessionID string, decide func(*store.CRMSync) (bool, error)) error
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
	err = d.Contacts.ChooseContact(ctx, sessionID, func(st *store.CRMSync) (bool, error) {
		return crmsync.Choose(sessionID, st, choice)
	})
	if err != nil {
		if errors.Is(err, crmsync.ErrBadChoice) {
			return fmt.Errorf("%w: %s", ErrNoSuchChoice, err.Error())
		}
		return err
	}
	d.Log.Info("CRM contact chosen", "session", sessionID, "agent", agentID, "choice", choice)
	chatevents.Emit(ctx, d.Events, chatevents.Event{Type: chatevents.ContactChosen, SessionID: sessionID})
	return nil
}
