package localrun_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestParallelConversationsStayApart runs many consumers at once through the menu: each gets
// exactly their own replies and their own transcript.
func TestParallelConversationsStayApart(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	const n = 25
	phones := make([]string, n)
	for i := range phones {
		phones[i] = consumerPhone()
	}
	var wg sync.WaitGroup
	for i, p := range phones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text(t, p, f.Number, fmt.Sprintf("hello from consumer %d", i))
			expectSMS(t, ctx, p, 2, "ENGLISH")
			text(t, p, f.Number, []string{"1", "2"}[i%2])
			expectSMS(t, ctx, p, 3, []string{"BILLING", "1 para General"}[i%2])
		}()
	}
	wg.Wait()
	for i, p := range phones {
		if got := sentTo(p); len(got) != 3 {
			t.Errorf("consumer %d got %d messages: %q", i, len(got), bodies(got))
		}
		sid := activeSession(t, ctx, f.Number, p)
		got := transcriptOf(t, ctx, sid)
		want := fmt.Sprintf("consumer:hello from consumer %d", i)
		if len(got) != 5 || got[0] != want {
			t.Errorf("consumer %d transcript = %q", i, got)
		}
	}
}

// TestSimultaneousFirstTextsOpenOneChat: two texts from one consumer arriving at the same
// instant open a single chat holding both, with one consent message.
func TestSimultaneousFirstTextsOpenOneChat(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	var wg sync.WaitGroup
	sids := make([]string, 2)
	for i, body := range []string{"first", "second"} {
		wg.Add(1)
		go func() { defer wg.Done(); sids[i] = text(t, phone, f.Number, body) }()
	}
	wg.Wait()
	// Consent and menu for the chat; "invalid" and the menu again for whichever text came
	// second (it is a wrong menu answer).
	chats := map[string]bool{}
	for _, sid := range sids {
		waitApplied(t, ctx, f.Number, phone, sid)
		id, _, _, _ := runner.Store.Receipt(ctx, f.Number, phone, sid)
		chats[id] = true
	}
	if len(chats) != 1 {
		t.Errorf("two texts opened chats %v", chats)
	}
	expectSMS(t, ctx, phone, 4, "ENGLISH")
	consents := 0
	for _, m := range sentTo(phone) {
		if strings.Contains(m.Body, "Msg & data rates") && strings.Contains(m.Body, "recurring") {
			consents++
		}
	}
	if consents != 1 {
		t.Errorf("consent sent %d times: %q", consents, bodies(sentTo(phone)))
	}
	got := transcriptOf(t, ctx, activeSession(t, ctx, f.Number, phone))
	joined := strings.Join(got, " | ")
	if !strings.Contains(joined, "consumer:first") || !strings.Contains(joined, "consumer:second") || strings.Count(joined, "system:consent") != 1 {
		t.Errorf("transcript = %q", got)
	}
}

// TestAgentSeesOnlyOwnChats: an agent cannot read, answer or end another agent's chat, and
// API errors say what is wrong.
func TestAgentSeesOnlyOwnChats(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	ana, bea := f.Tokens["ana"], f.Tokens["bea"]
	api(t, ana, "PUT", "/status", map[string]string{"status": "available"}, nil)
	api(t, bea, "PUT", "/status", map[string]string{"status": "available"}, nil)
	text(t, phone, f.Number, "hi")
	text(t, phone, f.Number, "1")
	text(t, phone, f.Number, "1")
	chats := waitChats(t, ctx, ana, func(cs []chatJSON) bool { return len(cs) == 1 })
	id := chats[0].ID

	var e struct {
		Error struct{ Code, Message string }
	}
	if code := api(t, bea, "GET", "/chats/"+id, nil, &e); code != http.StatusNotFound || e.Error.Code != "not_found" {
		t.Errorf("bea reading ana's chat = %d %+v", code, e)
	}
	if code := api(t, bea, "POST", "/chats/"+id+"/messages", map[string]string{"body": "hi"}, nil); code != http.StatusNotFound {
		t.Errorf("bea replying in ana's chat = %d", code)
	}
	if code := api(t, bea, "POST", "/chats/"+id+"/end", nil, nil); code != http.StatusNotFound {
		t.Errorf("bea ending ana's chat = %d", code)
	}
	var list struct{ Chats []chatJSON }
	if api(t, bea, "GET", "/chats", nil, &list); len(list.Chats) != 0 {
		t.Errorf("bea's list shows %d chats", len(list.Chats))
	}
	if code := api(t, "", "GET", "/chats", nil, &e); code != http.StatusUnauthorized || !strings.Contains(e.Error.Message, "Bearer") {
		t.Errorf("no token = %d %+v", code, e)
	}
	if code := api(t, "forged-token", "GET", "/chats", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("unknown token = %d", code)
	}
	if code := api(t, ana, "PUT", "/status", map[string]string{"status": "sleeping"}, &e); code != http.StatusBadRequest || !strings.Contains(e.Error.Message, "available, busy, away, offline") {
		t.Errorf("bad status = %d %+v", code, e)
	}
	if code := api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "  "}, &e); code != http.StatusBadRequest || !strings.Contains(e.Error.Message, "empty") {
		t.Errorf("empty reply = %d %+v", code, e)
	}
	if code := api(t, ana, "POST", "/chats/"+id+"/messages", map[string]int{"text": 1}, &e); code != http.StatusBadRequest {
		t.Errorf("wrong JSON = %d %+v", code, e)
	}
	if code := api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "Hello, Ana here"}, nil); code != http.StatusCreated {
		t.Errorf("ana's own reply = %d", code)
	}
	expectSMS(t, ctx, phone, 6, "Hello, Ana here")
}
