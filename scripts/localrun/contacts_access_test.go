package localrun_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/config"
)

// adminOf adds an admin to the fixture's configuration and returns their token.
func adminOf(t *testing.T, f fixture) string {
	t.Helper()
	token := "token-" + f.Prefix + "-root"
	loadCatalog(t, config.Catalog{Agents: []config.Agent{{ID: f.Prefix + "-root", Name: "Root", Role: "admin", Token: token}}})
	return token
}

type contactView struct {
	ID, Phone string
	Records   []struct {
		ChatIDs []string
		Events  []struct {
			Type, ChatID string
			Transcript   []struct{ Author, Body string }
		}
	}
}

// recordChats is the chat ids of the contact's records, as the caller sees them.
func recordChats(c contactView) []string {
	var out []string
	for _, r := range c.Records {
		out = append(out, r.ChatIDs...)
	}
	slices.Sort(out)
	return out
}

// TestContactRecordsFollowWhoMayReadTheChat: one consumer chats on two lines of business, so
// their contact gets a record of each chat. An agent sees the contact and the records of the
// chats they held (also after handing one on), a supervisor those of their lines, an admin
// all; anyone else finds no such contact, neither by id nor by number, and cannot change it.
func TestContactRecordsFollowWhoMayReadTheChat(t *testing.T) {
	f, g := newFixture(t), newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	admin := adminOf(t, f)

	// On f, Ana takes the chat and hands it to Carl, who ends it.
	first := connectChat(t, ctx, f, phone)
	api(t, f.Tokens["carl"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	if code := api(t, f.Tokens["ana"], "POST", "/chats/"+first+"/transfer", map[string]string{"agent": f.Prefix + "-carl"}, nil); code != http.StatusOK {
		t.Fatalf("transfer = %d", code)
	}
	waitChats(t, ctx, f.Tokens["carl"], func(cs []chatJSON) bool { return len(cs) == 1 })
	api(t, f.Tokens["carl"], "POST", "/chats/"+first+"/end", nil, nil)
	contactID := waitSynced(t, ctx, first).ContactID
	// On g, g's Ana takes the same consumer's next chat and ends it: a second record.
	sent := len(waitLastSMS(t, ctx, phone, "This chat has ended"))
	text(t, phone, g.Number, "hi")
	text(t, phone, g.Number, "1")
	text(t, phone, g.Number, "tech")
	expectSMS(t, ctx, phone, sent+4, "in line for Tech")
	api(t, g.Tokens["ana"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	second := waitChats(t, ctx, g.Tokens["ana"], func(cs []chatJSON) bool { return len(cs) == 1 })[0].ID
	api(t, g.Tokens["ana"], "POST", "/chats/"+second+"/end", nil, nil)
	if st := waitSynced(t, ctx, second); st.ContactID != contactID {
		t.Fatalf("second chat went to contact %q, want %q", st.ContactID, contactID)
	}

	both := []string{first, second}
	slices.Sort(both)
	for _, c := range []struct {
		who, token string
		want       []string // nil: no such contact
	}{
		{"f's Ana, who held the first chat", f.Tokens["ana"], []string{first}},
		{"f's Carl, who ended it", f.Tokens["carl"], []string{first}},
		{"f's supervisor", f.Tokens["dora"], []string{first}},
		{"g's Ana, who held the second chat", g.Tokens["ana"], []string{second}},
		{"g's supervisor", g.Tokens["dora"], []string{second}},
		{"the admin", admin, both},
		{"f's Bea, who held neither", f.Tokens["bea"], nil},
		{"g's Carl, who held neither", g.Tokens["carl"], nil},
	} {
		var got contactView
		code := api(t, c.token, "GET", "/contacts/"+contactID, nil, &got)
		var found struct{ Contacts []contactView }
		api(t, c.token, "GET", "/contacts?phone="+strings.Replace(phone, "+", "%2B", 1), nil, &found)
		if c.want == nil {
			if code != http.StatusNotFound || len(found.Contacts) != 0 {
				t.Errorf("%s: GET the contact = %d %+v; lookup by number = %+v; want no such contact", c.who, code, got, found.Contacts)
			}
			if code := api(t, c.token, "PUT", "/contacts/"+contactID, map[string]string{"phone": phone, "name": "Mallory"}, nil); code != http.StatusNotFound {
				t.Errorf("%s: PUT the contact = %d, want 404", c.who, code)
			}
			continue
		}
		if code != http.StatusOK || !slices.Equal(recordChats(got), c.want) || len(found.Contacts) != 1 {
			t.Errorf("%s: GET the contact = %d with records of %q (want %q); lookup by number = %+v", c.who, code, recordChats(got), c.want, found.Contacts)
		}
		for _, r := range got.Records {
			for _, e := range r.Events {
				if e.ChatID != "" && !slices.Contains(c.want, e.ChatID) {
					t.Errorf("%s sees an event of chat %s", c.who, e.ChatID)
				}
			}
		}
	}
	if got, err := builtinCRM().Contact(ctx, contactID); err != nil || got.Name == "Mallory" {
		t.Errorf("contact after refused changes = %+v %v", got, err)
	}
}

// waitLastSMS waits until the last message the carrier got for phone contains want, and
// returns all the messages to phone.
func waitLastSMS(t *testing.T, ctx context.Context, phone, want string) []carriersim.Message {
	t.Helper()
	for {
		if got := sentTo(phone); len(got) > 0 && strings.Contains(got[len(got)-1].Body, want) {
			return got
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no last message %q to %s; sent: %q", want, phone, bodies(sentTo(phone)))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// said reports whether the chat's transcript has a line with body.
func said(c chatJSON, body string) bool {
	for _, e := range c.Transcript {
		if e.Body == body {
			return true
		}
	}
	return false
}

// TestSupervisorsReadChatsThatEndedWithNoAgent: a consumer gives up in the queue before any
// agent is free. The line's supervisor finds the chat among the unattended ones and reads it
// whole, as does an admin; agents and other lines' supervisors do not.
func TestSupervisorsReadChatsThatEndedWithNoAgent(t *testing.T) {
	f, g := newFixture(t), newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	admin := adminOf(t, f)
	queueForTech(t, ctx, f, phone)
	id := activeSession(t, ctx, f.Number, phone)
	text(t, phone, f.Number, "my router is down")
	text(t, phone, f.Number, "EXIT")
	waitSynced(t, ctx, id)

	var list struct{ Chats []chatJSON }
	if code := api(t, f.Tokens["dora"], "GET", "/chats?scope=unattended", nil, &list); code != http.StatusOK ||
		!slices.ContainsFunc(list.Chats, func(c chatJSON) bool { return c.ID == id }) {
		t.Fatalf("the supervisor's unattended chats = %d %+v, want %s among them", code, list.Chats, id)
	}
	for _, c := range list.Chats {
		if c.State != "ended" || !strings.HasPrefix(c.Queue, f.Prefix+"-") {
			t.Errorf("unattended listing shows %s in state %s, queue %s", c.ID, c.State, c.Queue)
		}
	}
	for who, token := range map[string]string{"the supervisor": f.Tokens["dora"], "the admin": admin} {
		var c chatJSON
		if code := api(t, token, "GET", "/chats/"+id, nil, &c); code != http.StatusOK || c.State != "ended" ||
			!said(c, "my router is down") {
			t.Errorf("%s reading the chat = %d %+v", who, code, c)
		}
		if c.Consumer != phone {
			t.Errorf("%s sees the number as %q", who, c.Consumer)
		}
	}
	var e apiError
	if code := api(t, f.Tokens["ana"], "GET", "/chats/"+id, nil, &e); code != http.StatusNotFound {
		t.Errorf("an agent reading a chat they never held = %d %+v", code, e)
	}
	if code := api(t, f.Tokens["ana"], "GET", "/chats?scope=unattended", nil, &e); code != http.StatusForbidden || e.Error.Code != "forbidden" {
		t.Errorf("an agent listing unattended chats = %d %+v", code, e)
	}
	if code := api(t, g.Tokens["dora"], "GET", "/chats/"+id, nil, &e); code != http.StatusNotFound {
		t.Errorf("another line's supervisor reading the chat = %d %+v", code, e)
	}
	if api(t, g.Tokens["dora"], "GET", "/chats?scope=unattended", nil, &list); slices.ContainsFunc(list.Chats, func(c chatJSON) bool { return c.ID == id }) {
		t.Errorf("another line's supervisor lists the chat")
	}
	if code := api(t, f.Tokens["dora"], "GET", "/chats?scope=everything", nil, &e); code != http.StatusBadRequest || !strings.Contains(e.Error.Message, "unattended") {
		t.Errorf("unknown scope = %d %+v", code, e)
	}
	if code := api(t, f.Tokens["dora"], "POST", "/chats/"+id+"/messages", map[string]string{"body": "hello?"}, &e); code != http.StatusNotFound {
		t.Errorf("the supervisor replying in a chat they do not hold = %d %+v", code, e)
	}
}
