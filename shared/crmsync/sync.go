package crmsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Store is what the sync reads and remembers.
type Store interface {
	Session(ctx context.Context, id string) (session.Session, error)
	// TranscriptAfter reads a chat's lines after seq after, in order (0: all of them).
	TranscriptAfter(ctx context.Context, sessionID string, after int) ([]session.Entry, error)
	Entry(ctx context.Context, path string) (session.Entry, error)
	CRMState(ctx context.Context, sessionID string) (State, error)
	// SaveCRMState writes the sync's fields of the state; the agent's Choice is left alone.
	SaveCRMState(ctx context.Context, sessionID string, st State) error
	AddAgentEvent(ctx context.Context, agentID string, e store.AgentEvent) error
}

// Adapters gives the CRM that the settings choose for a support number (by the number, else
// its line of business), with the adapter's name; a nil CRM means its chats are not recorded.
type Adapters interface {
	For(ctx context.Context, number string) (string, crm.CRM, error)
}

// Syncer posts chats to the CRM.
type Syncer struct {
	Store    Store
	Adapters Adapters
	// Link turns a kept media object into the link the CRM records.
	Link func(object string) string
	Log  *slog.Logger
}

// EventContactChoice is the agent notice that the consumer's number matches several contacts.
const EventContactChoice = "contact_choice"

// Handle brings the chat (or the one-way text) of a chat event up to date in the CRM. An error
// leaves the sync where it was, to be taken up again on redelivery; nothing is posted twice.
func (y *Syncer) Handle(ctx context.Context, ev chatevents.Event) error {
	if ev.SessionID == "" {
		return y.notification(ctx, ev.Message)
	}
	log := y.Log.With("session", ev.SessionID, "event", ev.Type)
	s, err := y.Store.Session(ctx, ev.SessionID)
	if errors.Is(err, store.ErrNotFound) {
		log.Warn("chat event for an unknown chat ignored")
		return nil
	}
	if err != nil {
		return err
	}
	if !Due(s) {
		return nil // still in the menu or the queue: nothing for the CRM yet
	}
	st, err := y.Store.CRMState(ctx, s.ID)
	if err != nil {
		return err
	}
	if st.Done {
		return nil
	}
	name, c, err := y.Adapters.For(ctx, s.Business)
	if err != nil {
		return err
	}
	st.Adapter = name
	if c == nil {
		// This number's chats are not recorded; an ended chat is marked done, so that the
		// sweeper does not announce it again.
		if s.State == session.Ended {
			st.Done = true
			return y.Store.SaveCRMState(ctx, s.ID, st)
		}
		return nil
	}
	if st.ContactID == "" {
		if st, err = y.resolve(ctx, log, c, s, st); err != nil || st.ContactID == "" {
			return err
		}
	}
	var entries []session.Entry
	if after, read := Lines(s, st); read {
		if entries, err = y.Store.TranscriptAfter(ctx, s.ID, after); err != nil {
			return err
		}
	}
	events, next := Plan(s, entries, st, y.Link)
	for _, e := range events {
		if err := c.Post(ctx, st.ContactID, e); err != nil {
			if errors.Is(err, crm.ErrPermanent) {
				log.Error("CRM refused an event; skipped", "crmEvent", e.ID, "err", err)
				continue
			}
			return fmt.Errorf("post %s of chat %s: %w", e.Type, s.ID, err)
		}
	}
	if err := y.Store.SaveCRMState(ctx, s.ID, next); err != nil {
		return err
	}
	log.Info("chat synced to the CRM", "adapter", name, "contact", next.ContactID, "posted", len(events), "done", next.Done)
	return nil
}

// resolve finds the chat's contact: the agent's choice when there was one to make, else by
// phone number (none → created; several → the agent is asked, and the sync waits).
func (y *Syncer) resolve(ctx context.Context, log *slog.Logger, c crm.CRM, s session.Session, st State) (State, error) {
	switch {
	case st.Choice == store.ChoiceNew:
		created, err := c.CreateContact(ctx, crm.Contact{Phone: s.Phone})
		if err != nil {
			return st, fmt.Errorf("create the contact the agent asked for: %w", err)
		}
		st.ContactID = created.ID
	case st.Choice != "":
		st.ContactID = st.Choice
	case len(st.Candidates) > 0:
		return st, nil // the agent has not picked yet
	default:
		r, err := crm.Resolve(ctx, c, s.Phone, "")
		if errors.Is(err, crm.ErrPermanent) {
			log.Error("consumer's number cannot be looked up in the CRM; chat not recorded", "err", err)
			return st, nil
		}
		if err != nil {
			return st, err
		}
		if r.Contact == nil && s.AgentID == "" && s.State == session.Ended {
			// Nobody to ask (the chat ended before an agent took it): the first contact the CRM
			// lists (the oldest, in the built-in CRM) gets it rather than no one.
			log.Info("several CRM contacts share the number and no agent can pick; the first listed gets the chat", "candidates", len(r.Ambiguous))
			r.Contact = &r.Ambiguous[0]
		}
		if r.Contact == nil {
			for _, a := range r.Ambiguous {
				st.Candidates = append(st.Candidates, store.Candidate{ID: a.ID, Name: a.Name, Email: a.Email})
			}
			if err := y.Store.SaveCRMState(ctx, s.ID, st); err != nil {
				return st, err
			}
			log.Info("several CRM contacts share the number; the agent picks", "candidates", len(st.Candidates))
			if s.AgentID != "" {
				if err := y.Store.AddAgentEvent(ctx, s.AgentID, store.AgentEvent{Type: EventContactChoice, SessionID: s.ID, At: time.Now()}); err != nil {
					log.Error("contact choice notice not stored", "err", err)
				}
			}
			return st, nil
		}
		st.ContactID = r.Contact.ID
		log.Info("CRM contact found", "contact", st.ContactID, "created", r.Created)
	}
	// Remember the contact before posting, so a retry cannot create a second one.
	return st, y.Store.SaveCRMState(ctx, s.ID, st)
}

// notification posts a one-way text to the consumer's contact. A number shared by several
// contacts has no agent to ask: the text goes on the first the CRM lists.
func (y *Syncer) notification(ctx context.Context, path string) error {
	log := y.Log.With("message", path)
	e, err := y.Store.Entry(ctx, path)
	if errors.Is(err, store.ErrNotFound) {
		log.Warn("chat event for an unknown message ignored")
		return nil
	}
	if err != nil {
		return err
	}
	_, c, err := y.Adapters.For(ctx, e.Business)
	if err != nil || c == nil {
		return err
	}
	r, err := crm.Resolve(ctx, c, e.Phone, "")
	if errors.Is(err, crm.ErrPermanent) {
		log.Error("one-way text not recorded in the CRM", "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	if r.Contact == nil {
		// No agent to ask about a one-way text: it goes on the first contact listed.
		log.Info("several CRM contacts share the number; the one-way text goes on the first listed", "candidates", len(r.Ambiguous))
		r.Contact = &r.Ambiguous[0]
	}
	if err := c.Post(ctx, r.Contact.ID, PlanNotification(path, e)); err != nil && !errors.Is(err, crm.ErrPermanent) {
		return fmt.Errorf("post one-way text %s: %w", path, err)
	}
	return nil
}
