package desk

import (
	"context"
	"errors"
	"testing"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/store"
)

// memContacts holds one chat's CRM sync state and records its choices as the store does.
type memContacts struct {
	st      *store.CRMSync
	written []followup.Record
}

func (m *memContacts) CRMStates(context.Context, []string) (map[string]store.CRMSync, error) {
	return nil, nil
}

func (m *memContacts) ChooseContact(_ context.Context, sessionID, id string, decide func(*store.CRMSync) (bool, followup.Followups, error)) (followup.Record, error) {
	st := *m.st
	changed, f, err := decide(&st)
	if err != nil {
		return followup.Record{}, err
	}
	if changed {
		*m.st = st
	}
	rec := followup.Record{ID: id, SessionID: sessionID, Followups: f, Stored: f.Durable()}
	m.written = append(m.written, rec)
	return rec, nil
}

func TestAContactChoiceIsStoredWithItsEventAndSettled(t *testing.T) {
	d, _, s := newDesk()
	c := &memContacts{st: &store.CRMSync{Candidates: []store.Candidate{{ID: "k1"}, {ID: "k2"}}}}
	d.Contacts = c
	ctx := context.Background()
	if err := d.ChooseContact(ctx, "ana", "C1", "k2", false); err != nil {
		t.Fatal(err)
	}
	if c.st.Choice != "k2" {
		t.Errorf("choice = %q, want k2", c.st.Choice)
	}
	if len(c.written) != 1 || !c.written[0].Stored || len(c.written[0].Events) != 1 || c.written[0].Events[0].Type != chatevents.ContactChosen {
		t.Fatalf("stored follow-ups = %+v, want the contact_chosen event stored with the choice", c.written)
	}
	if len(s.recs) != 1 || s.recs[0].ID != c.written[0].ID {
		t.Errorf("settled = %+v, want the stored record", s.recs)
	}
	if err := d.ChooseContact(ctx, "ana", "C1", "k1", false); !errors.Is(err, ErrNoSuchChoice) {
		t.Errorf("a second, other choice = %v, want ErrNoSuchChoice", err)
	}
	if err := d.ChooseContact(ctx, "bea", "C1", "k1", false); !errors.Is(err, ErrNotYourChat) {
		t.Errorf("another agent's choice = %v, want ErrNotYourChat", err)
	}
	if len(s.recs) != 1 {
		t.Errorf("refused choices settled follow-ups: %+v", s.recs[1:])
	}
}
