package localrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/crm/firestorecrm"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// builtinCRM reads the built-in CRM the local run records chats in (the default adapter).
func builtinCRM() *firestorecrm.CRM {
	return firestorecrm.New(runner.Store.Client(), firestorecrm.Options{})
}

// queueForTech has a new consumer text in and wait in the Tech queue.
func queueForTech(t *testing.T, ctx context.Context, f fixture, phone string) {
	t.Helper()
	text(t, phone, f.Number, "hi")
	text(t, phone, f.Number, "1")
	text(t, phone, f.Number, "tech")
	expectSMS(t, ctx, phone, 4, "in line for Tech")
}

// connectChat has a new consumer reach Tech and Ana take the chat; it returns the chat id.
func connectChat(t *testing.T, ctx context.Context, f fixture, phone string) string {
	t.Helper()
	queueForTech(t, ctx, f, phone)
	api(t, f.Tokens["ana"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	return waitChats(t, ctx, f.Tokens["ana"], func(cs []chatJSON) bool { return len(cs) == 1 })[0].ID
}

// waitSynced waits until the chat's end and transcript reached the CRM.
func waitSynced(t *testing.T, ctx context.Context, sessionID string) store.CRMSync {
	t.Helper()
	for {
		st, err := runner.Store.CRMState(ctx, sessionID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Done {
			return st
		}
		select {
		case <-ctx.Done():
			t.Fatalf("chat %s never fully synced to the CRM; state %+v", sessionID, st)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// recordedEvents is every event on the contact's records, "type" in order of posting.
func recordedEvents(t *testing.T, ctx context.Context, contactID string) []firestorecrm.StoredEvent {
	t.Helper()
	c := builtinCRM()
	records, err := c.Records(ctx, contactID)
	if err != nil {
		t.Fatal(err)
	}
	var out []firestorecrm.StoredEvent
	for _, r := range records {
		evs, err := c.Events(ctx, contactID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, evs...)
	}
	return out
}

func typesOf(evs []firestorecrm.StoredEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

// TestCRMRecordsTheWholeChat: a number nobody has texted before gets a new contact; the chat's
// connection, media, transfers (one failed), end and full transcript land on its record, once
// each, in order, and the agent sees the chat linked to the contact.
func TestCRMRecordsTheWholeChat(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	id := connectChat(t, ctx, f, phone)
	ana, carl := f.Tokens["ana"], f.Tokens["carl"]
	if code := api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "Hello, how can I help?"}, nil); code != http.StatusCreated {
		t.Fatalf("reply = %d", code)
	}
	text(t, phone, f.Number, "the broken part", carriersim.Media{ContentType: "image/jpeg", Data: []byte("photo")})
	waitChats(t, ctx, ana, func(cs []chatJSON) bool {
		return len(cs) == 1 && cs[0].Transcript[len(cs[0].Transcript)-1].Body == "the broken part"
	})
	api(t, carl, "PUT", "/status", map[string]string{"status": "available"}, nil)
	if code := api(t, ana, "POST", "/chats/"+id+"/transfer", map[string]string{"agent": f.Prefix + "-carl"}, nil); code != http.StatusOK {
		t.Fatalf("transfer = %d", code)
	}
	if code := api(t, carl, "POST", "/chats/"+id+"/transfer", map[string]string{"agent": "nobody"}, nil); code != http.StatusConflict {
		t.Fatalf("transfer to nobody = %d, want 409", code)
	}
	linked := waitChats(t, ctx, carl, func(cs []chatJSON) bool { return len(cs) == 1 && cs[0].Contact.Status == "linked" })[0]
	if code := api(t, carl, "POST", "/chats/"+id+"/end", nil, nil); code != http.StatusOK {
		t.Fatalf("end = %d", code)
	}
	st := waitSynced(t, ctx, id)

	contacts, err := builtinCRM().FindContacts(ctx, phone)
	if err != nil || len(contacts) != 1 || contacts[0].ID != st.ContactID || linked.Contact.ID != st.ContactID {
		t.Fatalf("contacts with %s = %+v, %v; sync %+v; agent saw %+v", phone, contacts, err, st, linked.Contact)
	}
	evs := recordedEvents(t, ctx, st.ContactID)
	want := []string{crm.EventChatConnected, crm.EventMedia, crm.EventTransferStarted, crm.EventTransferEnded,
		crm.EventTransferFailed, crm.EventChatEnded, crm.EventTranscript}
	if got := typesOf(evs); !slices.Equal(got, want) {
		t.Fatalf("recorded events = %q, want %q", got, want)
	}
	byType := map[string]firestorecrm.StoredEvent{}
	for _, e := range evs {
		byType[e.Type] = e
	}
	if c := byType[crm.EventChatConnected]; c.ChatID != id || c.Queue != f.Prefix+"-tech" || c.Language != "en" || !strings.Contains(c.Text, f.Prefix+"-ana") {
		t.Errorf("connected event = %+v", c)
	}
	if m := byType[crm.EventMedia]; len(m.Media) != 1 || !strings.HasPrefix(m.Media[0], "https://storage.cloud.google.com/") {
		t.Errorf("media event = %+v", m)
	}
	if e := byType[crm.EventTransferFailed]; !strings.Contains(e.Text, "nobody") {
		t.Errorf("transfer failed event = %+v", e)
	}
	if e := byType[crm.EventChatEnded]; e.Text != session.EndAgent {
		t.Errorf("chat ended event = %+v", e)
	}
	var lines []string
	for _, l := range byType[crm.EventTranscript].Transcript {
		lines = append(lines, l.Author+": "+l.Body)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"consumer: hi", "system: " + sentTo(phone)[1].Body, "agent: Hello, how can I help?", "consumer: the broken part\n[image/jpeg] https://"} {
		if !strings.Contains(all, want) {
			t.Errorf("transcript lacks %q:\n%s", want, all)
		}
	}
}

// TestCRMUpdatesTheExistingContact: a number the CRM knows is not created again; the chat
// goes on the existing contact.
func TestCRMUpdatesTheExistingContact(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	known, err := builtinCRM().CreateContact(ctx, crm.Contact{Phone: phone, Name: "Known Customer"})
	if err != nil {
		t.Fatal(err)
	}
	id := connectChat(t, ctx, f, phone)
	api(t, f.Tokens["ana"], "POST", "/chats/"+id+"/end", nil, nil)
	st := waitSynced(t, ctx, id)
	contacts, err := builtinCRM().FindContacts(ctx, phone)
	if err != nil || len(contacts) != 1 || st.ContactID != known.ID {
		t.Fatalf("contacts = %+v, %v; chat went to %q, want the known %q", contacts, err, st.ContactID, known.ID)
	}
	if got := typesOf(recordedEvents(t, ctx, known.ID)); !slices.Equal(got, []string{crm.EventChatConnected, crm.EventChatEnded, crm.EventTranscript}) {
		t.Errorf("events on the known contact = %q", got)
	}
}

// TestCRMAgentPicksAmongContacts: two contacts share the number, so the agent is asked; a
// contact that is not offered is refused, and once the agent picks, the sync goes on with it.
func TestCRMAgentPicksAmongContacts(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	c := builtinCRM()
	first, err1 := c.CreateContact(ctx, crm.Contact{Phone: phone, Name: "Pat Home"})
	second, err2 := c.CreateContact(ctx, crm.Contact{Phone: phone, Name: "Pat Work"})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	ana := f.Tokens["ana"]
	id := connectChat(t, ctx, f, phone)
	asked := waitChats(t, ctx, ana, func(cs []chatJSON) bool { return len(cs) == 1 && cs[0].Contact.Status == "choose" })[0]
	if n := len(asked.Contact.Candidates); n != 2 {
		t.Fatalf("candidates = %+v", asked.Contact.Candidates)
	}
	var evs struct {
		Events []struct{ Type, ChatID string }
	}
	api(t, ana, "GET", "/events", nil, &evs)
	if !slices.ContainsFunc(evs.Events, func(e struct{ Type, ChatID string }) bool { return e.Type == "contact_choice" && e.ChatID == id }) {
		t.Errorf("Ana was not told to pick a contact: %+v", evs.Events)
	}
	var e apiError
	if code := api(t, ana, "POST", "/chats/"+id+"/contact", map[string]string{"contactId": "someone-else"}, &e); code != http.StatusConflict || !strings.Contains(e.Error.Message, "someone-else") {
		t.Errorf("picking a contact not offered = %d %+v", code, e)
	}
	if code := api(t, ana, "POST", "/chats/"+id+"/contact", map[string]any{}, &e); code != http.StatusBadRequest {
		t.Errorf("picking nothing = %d %+v", code, e)
	}
	if code := api(t, f.Tokens["carl"], "POST", "/chats/"+id+"/contact", map[string]string{"contactId": second.ID}, nil); code != http.StatusNotFound {
		t.Errorf("another agent picking = %d, want 404", code)
	}
	if code := api(t, ana, "POST", "/chats/"+id+"/contact", map[string]string{"contactId": second.ID}, &e); code != http.StatusOK {
		t.Fatalf("pick = %d %+v", code, e)
	}
	waitChats(t, ctx, ana, func(cs []chatJSON) bool { return cs[0].Contact.Status == "linked" && cs[0].Contact.ID == second.ID })
	if code := api(t, ana, "POST", "/chats/"+id+"/contact", map[string]string{"contactId": first.ID}, &e); code != http.StatusConflict {
		t.Errorf("picking again after the sync went on = %d %+v", code, e)
	}
	api(t, ana, "POST", "/chats/"+id+"/end", nil, nil)
	waitSynced(t, ctx, id)
	if got := typesOf(recordedEvents(t, ctx, second.ID)); !slices.Equal(got, []string{crm.EventChatConnected, crm.EventChatEnded, crm.EventTranscript}) {
		t.Errorf("events on the picked contact = %q", got)
	}
	if got := recordedEvents(t, ctx, first.ID); len(got) != 0 {
		t.Errorf("the contact not picked got events: %q", typesOf(got))
	}
}

// TestCRMSweeperResendsLostChatEvents: every chat event of a chat is lost (as when a publish
// fails after the change was stored); the sweeper finds the ended chat missing from the CRM and
// announces it again, and the whole chat lands.
func TestCRMSweeperResendsLostChatEvents(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	sid := dropPrefix + strings.Repeat("1", 16) + fmt.Sprintf("%08d", fixtureSeq.Add(1))
	if res, err := sim.SendInbound(ctx, carriersim.Inbound{From: phone, To: f.Number, Body: "hi", MessageSID: sid}); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("text: %v %d", err, res.StatusCode)
	}
	expectSMS(t, ctx, phone, 2, "Reply 1")
	text(t, phone, f.Number, "1")
	text(t, phone, f.Number, "tech")
	expectSMS(t, ctx, phone, 4, "in line for Tech")
	ana := f.Tokens["ana"]
	api(t, ana, "PUT", "/status", map[string]string{"status": "available"}, nil)
	id := waitChats(t, ctx, ana, func(cs []chatJSON) bool { return len(cs) == 1 })[0].ID
	api(t, ana, "POST", "/chats/"+id+"/end", nil, nil)
	expectSMS(t, ctx, phone, 6, "This chat has ended")
	if st, err := runner.Store.CRMState(ctx, id); err != nil || st.ContactID != "" {
		t.Fatalf("chat reached the CRM although its events were lost: %+v %v", st, err)
	}
	time.Sleep(400 * time.Millisecond) // past the sweeper's grace
	if err := runner.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	st := waitSynced(t, ctx, id)
	if got := typesOf(recordedEvents(t, ctx, st.ContactID)); !slices.Equal(got, []string{crm.EventChatConnected, crm.EventChatEnded, crm.EventTranscript}) {
		t.Errorf("events after the resend = %q", got)
	}
}

// TestCRMAgentAsksForANewContact: none of the contacts sharing the number is the consumer, so
// the agent asks for a new one, which gets the chat.
func TestCRMAgentAsksForANewContact(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	c := builtinCRM()
	for _, name := range []string{"Lee Senior", "Lee Junior"} {
		if _, err := c.CreateContact(ctx, crm.Contact{Phone: phone, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	ana := f.Tokens["ana"]
	id := connectChat(t, ctx, f, phone)
	waitChats(t, ctx, ana, func(cs []chatJSON) bool { return cs[0].Contact.Status == "choose" })
	if code := api(t, ana, "POST", "/chats/"+id+"/contact", map[string]any{"create": true}, nil); code != http.StatusOK {
		t.Fatalf("create = %d", code)
	}
	linked := waitChats(t, ctx, ana, func(cs []chatJSON) bool { return cs[0].Contact.Status == "linked" })[0]
	contacts, err := c.FindContacts(ctx, phone)
	if err != nil || len(contacts) != 3 || !slices.ContainsFunc(contacts, func(x crm.Contact) bool { return x.ID == linked.Contact.ID }) {
		t.Fatalf("contacts = %+v, %v; chat linked to %q", contacts, err, linked.Contact.ID)
	}
	// The chat shows the link as soon as the contact exists; its events follow.
	var got []string
	waitFor(t, 10*time.Second, "the connected event on the new contact", func() bool {
		got = typesOf(recordedEvents(t, ctx, linked.Contact.ID))
		return len(got) > 0
	})
	waitIdle(t)
	if got = typesOf(recordedEvents(t, ctx, linked.Contact.ID)); !slices.Equal(got, []string{crm.EventChatConnected}) {
		t.Errorf("events on the new contact = %q", got)
	}
}

// TestContactsAPI: agents look contacts up by number (masked for agents, in full for
// supervisors), read a contact's records with the chat's events, correct a name, and create a
// contact; bad input is refused with what to fix.
func TestContactsAPI(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	ana, dora := f.Tokens["ana"], f.Tokens["dora"]
	id := connectChat(t, ctx, f, phone)
	api(t, ana, "POST", "/chats/"+id+"/end", nil, nil)
	st := waitSynced(t, ctx, id)

	type contact struct {
		ID, Phone, Name, Email string
		Records                []struct {
			ChatIDs []string
			Events  []struct{ Type string }
		}
	}
	var found struct{ Contacts []contact }
	if code := api(t, ana, "GET", "/contacts?phone="+strings.Replace(phone, "+", "%2B", 1), nil, &found); code != http.StatusOK ||
		len(found.Contacts) != 1 || found.Contacts[0].ID != st.ContactID || found.Contacts[0].Phone != "+1 ***-***-"+phone[len(phone)-4:] {
		t.Fatalf("agent's lookup = %d %+v", code, found)
	}
	if code := api(t, dora, "GET", "/contacts?phone="+phone, nil, &found); code != http.StatusOK || len(found.Contacts) != 1 || found.Contacts[0].Phone != phone {
		t.Fatalf("supervisor's lookup (unencoded +) = %d %+v", code, found)
	}
	var one contact
	if code := api(t, dora, "PUT", "/contacts/"+st.ContactID, map[string]string{"phone": phone, "name": "Robin Diaz", "email": "robin@example.com"}, &one); code != http.StatusOK || one.Name != "Robin Diaz" {
		t.Fatalf("update = %d %+v", code, one)
	}
	if code := api(t, ana, "GET", "/contacts/"+st.ContactID, nil, &one); code != http.StatusOK || one.Email != "robin@example.com" || len(one.Records) != 1 ||
		!slices.Contains(one.Records[0].ChatIDs, id) || len(one.Records[0].Events) != 3 || one.Records[0].Events[2].Type != crm.EventTranscript {
		t.Fatalf("contact with records = %d %+v", code, one)
	}
	var raw json.RawMessage
	if api(t, ana, "GET", "/contacts/"+st.ContactID, nil, &raw); strings.Contains(string(raw), phone) {
		t.Errorf("an agent sees the full number in the contact's records: %s", raw)
	}
	var e apiError
	if code := api(t, ana, "GET", "/contacts/nobody-here", nil, &e); code != http.StatusNotFound {
		t.Errorf("unknown contact = %d %+v", code, e)
	}
	if code := api(t, ana, "GET", "/contacts?phone=12", nil, &e); code != http.StatusBadRequest || !strings.Contains(e.Error.Message, "country code") {
		t.Errorf("bad phone lookup = %d %+v", code, e)
	}
	if code := api(t, ana, "POST", "/contacts", map[string]string{"phone": "555-0100", "name": "No Country"}, &e); code != http.StatusBadRequest {
		t.Errorf("contact without a country code = %d %+v", code, e)
	}
	other := consumerPhone()
	if code := api(t, ana, "POST", "/contacts", map[string]string{"phone": other, "name": "New Lead"}, &one); code != http.StatusCreated || one.ID == "" {
		t.Fatalf("create = %d %+v", code, one)
	}
	if got, err := builtinCRM().FindContacts(ctx, other); err != nil || len(got) != 1 || got[0].Name != "New Lead" {
		t.Errorf("created contact = %+v %v", got, err)
	}
}

// TestCRMAbandonedChatWithSharedNumber: a chat left in the queue has no agent to pick among
// the contacts sharing its number; it still reaches the CRM, on the oldest of them.
func TestCRMAbandonedChatWithSharedNumber(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	c := builtinCRM()
	first, err1 := c.CreateContact(ctx, crm.Contact{Phone: phone, Name: "Sam A"})
	_, err2 := c.CreateContact(ctx, crm.Contact{Phone: phone, Name: "Sam B"})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	queueForTech(t, ctx, f, phone)
	id := activeSession(t, ctx, f.Number, phone)
	text(t, phone, f.Number, "EXIT")
	st := waitSynced(t, ctx, id)
	if st.ContactID != first.ID {
		t.Fatalf("abandoned chat went to %q, want the oldest contact %q", st.ContactID, first.ID)
	}
	if got := typesOf(recordedEvents(t, ctx, first.ID)); !slices.Equal(got, []string{crm.EventChatEnded, crm.EventTranscript}) {
		t.Errorf("events = %q", got)
	}
}
