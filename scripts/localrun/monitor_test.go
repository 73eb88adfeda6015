package localrun_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"
)

type monitorChat struct {
	ID             string `json:"id"`
	State          string `json:"state"`
	Type           string `json:"type"`
	StartType      string `json:"startType"`
	Queue          string `json:"queue"`
	LineOfBusiness string `json:"lineOfBusiness"`
	Agent          string `json:"agent"`
	Consumer       string `json:"consumer"`
	WaitSeconds    *int64 `json:"waitSeconds"`
	HandleSeconds  *int64 `json:"handleSeconds"`
	EndedAt        string `json:"endedAt"`
	ScheduledFor   string `json:"scheduledFor"`
}

type monitorJSON struct {
	Today  time.Time `json:"today"`
	Agents []struct {
		ID                string   `json:"id"`
		Status            string   `json:"status"`
		SecondsInStatus   *int64   `json:"secondsInStatus"`
		Chats             []string `json:"chats"`
		Capacity          int      `json:"capacity"`
		MissedOffersToday int      `json:"missedOffersToday"`
	} `json:"agents"`
	Queues []struct {
		ID             string `json:"id"`
		Waiting        int    `json:"waiting"`
		InProgress     int    `json:"inProgress"`
		EndedToday     int    `json:"endedToday"`
		AgentsEligible int    `json:"agentsEligible"`
		ByType         map[string]struct {
			Waiting, InProgress, EndedToday int
		} `json:"byType"`
	} `json:"queues"`
	Chats struct {
		InProgress, Future, Past []monitorChat
	} `json:"chats"`
	Error struct{ Code, Message, Param string } `json:"error"`
}

func (m monitorJSON) chat(list []monitorChat, id string) (monitorChat, bool) {
	for _, c := range list {
		if c.ID == id {
			return c, true
		}
	}
	return monitorChat{}, false
}

// monitorView is token's GET /agent/monitor with the query.
func monitorView(t *testing.T, token string, query url.Values) (int, monitorJSON) {
	t.Helper()
	var v monitorJSON
	code := api(t, token, "GET", "/monitor?"+query.Encode(), nil, &v)
	return code, v
}

// waitMonitor polls the supervisor's view until cond holds, for at most within.
func waitMonitor(t *testing.T, ctx context.Context, token string, within time.Duration, what string, cond func(monitorJSON) bool) monitorJSON {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, v := monitorView(t, token, nil)
		if code != http.StatusOK {
			t.Fatalf("GET /agent/monitor = %d %+v", code, v.Error)
		}
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("monitoring did not show %s within %s; last: %+v", what, within, v)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestMonitorFollowsAChat: a supervisor's monitoring shows a consumer's chat waiting in its
// queue (future), taken by an agent (in progress) and ended (past), each change on the next read after
// the call that made it; filters select past chats, and agents are refused.
func TestMonitorFollowsAChat(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	dora, ana := f.Tokens["dora"], f.Tokens["ana"]
	phone := consumerPhone()
	tech := f.Prefix + "-tech"

	queueForTech(t, ctx, f, phone)
	id := activeSession(t, ctx, f.Number, phone)
	v := waitMonitor(t, ctx, dora, 30*time.Second, "the chat queued", func(v monitorJSON) bool {
		c, ok := v.chat(v.Chats.Future, id)
		return ok && c.State == "queued"
	})
	c, _ := v.chat(v.Chats.Future, id)
	if c.Queue != tech || c.Type != "sms" || c.StartType != "inbound" || c.WaitSeconds == nil || c.HandleSeconds != nil || c.Consumer != phone {
		t.Errorf("queued chat = %+v, want in %s, type sms, start type inbound, a wait and no handle time, the full number", c, tech)
	}
	for _, q := range v.Queues {
		if q.ID == tech && (q.Waiting != 1 || q.ByType["sms"].Waiting != 1 || q.AgentsEligible != 0) {
			t.Errorf("tech queue while waiting = %+v, want 1 waiting (sms) and nobody eligible", q)
		}
	}
	for _, list := range [][]monitorChat{v.Chats.InProgress, v.Chats.Future, v.Chats.Past} {
		for _, c := range list {
			if c.LineOfBusiness != f.Prefix {
				t.Errorf("the supervisor of %s sees chat %s of line %q", f.Prefix, c.ID, c.LineOfBusiness)
			}
		}
	}

	// An agent may not monitor.
	if code, got := monitorView(t, ana, nil); code != http.StatusForbidden || got.Error.Code != "forbidden" {
		t.Errorf("an agent's GET /agent/monitor = %d %+v, want 403 forbidden", code, got.Error)
	}

	api(t, ana, "PUT", "/status", map[string]string{"status": "available"}, nil)
	v = waitMonitor(t, ctx, dora, 30*time.Second, "the chat in progress", func(v monitorJSON) bool {
		c, ok := v.chat(v.Chats.InProgress, id)
		return ok && c.Agent == f.Prefix+"-ana"
	})
	c, _ = v.chat(v.Chats.InProgress, id)
	if c.State != "assigned" || c.WaitSeconds == nil || c.HandleSeconds == nil {
		t.Errorf("chat in progress = %+v, want a wait and a handle time", c)
	}
	if _, still := v.chat(v.Chats.Future, id); still {
		t.Error("the chat in progress is still among future chats")
	}
	// The supervisor opens the live chat read-only.
	var opened chatJSON
	if code := api(t, dora, "GET", "/chats/"+id, nil, &opened); code != http.StatusOK || opened.ID != id || len(opened.Transcript) == 0 {
		t.Errorf("the supervisor opening the chat = %d %+v", code, opened)
	}
	if code := api(t, dora, "POST", "/chats/"+id+"/messages", map[string]string{"body": "hello"}, nil); code != http.StatusNotFound {
		t.Errorf("the supervisor replying in Ana's chat = %d, want 404 (read-only)", code)
	}
	for _, a := range v.Agents {
		if a.ID == f.Prefix+"-ana" && (a.Status != "available" || a.SecondsInStatus == nil || len(a.Chats) != 1 || a.Chats[0] != id || a.Capacity != 2) {
			t.Errorf("Ana's row = %+v, want available with the chat, capacity 2", a)
		}
	}
	for _, q := range v.Queues {
		if q.ID == tech && (q.Waiting != 0 || q.InProgress != 1 || q.AgentsEligible != 1) {
			t.Errorf("tech queue in progress = %+v, want 1 in progress and Ana eligible (1 of 2 chats)", q)
		}
	}

	if code := api(t, ana, "POST", "/chats/"+id+"/end", nil, nil); code != http.StatusOK {
		t.Fatalf("end = %d", code)
	}
	v = waitMonitor(t, ctx, dora, 30*time.Second, "the chat ended", func(v monitorJSON) bool {
		_, ok := v.chat(v.Chats.Past, id)
		return ok
	})
	c, _ = v.chat(v.Chats.Past, id)
	if c.State != "ended" || c.EndedAt == "" || c.WaitSeconds == nil || c.HandleSeconds == nil {
		t.Errorf("past chat = %+v, want ended with wait and handle times", c)
	}
	if _, still := v.chat(v.Chats.InProgress, id); still {
		t.Error("the ended chat is still in progress")
	}

	// Filters on past chats.
	for _, tc := range []struct {
		query url.Values
		shown bool
	}{
		{url.Values{"queue": {tech}}, true},
		{url.Values{"queue": {f.Prefix + "-billing"}}, false},
		{url.Values{"agent": {f.Prefix + "-ana"}}, true},
		{url.Values{"agent": {f.Prefix + "-carl"}}, false},
		{url.Values{"startType": {"auto_answer"}}, true},
		{url.Values{"startType": {"manual_answer"}}, false},
		{url.Values{"startType": {"outbound"}}, false},
	} {
		code, got := monitorView(t, dora, tc.query)
		if _, shown := got.chat(got.Chats.Past, id); code != http.StatusOK || shown != tc.shown {
			t.Errorf("past chats with %v: %d, chat shown %v, want %v", tc.query, code, shown, tc.shown)
		}
	}
	for _, tc := range []struct {
		query url.Values
		param string
	}{
		{url.Values{"queue": {"retail-en-billing"}}, "queue"}, // another line's
		{url.Values{"queue": {"a/b"}}, "queue"},
		{url.Values{"agent": {"luis"}}, "agent"},
		{url.Values{"startType": {"fax"}}, "startType"},
		{url.Values{"sort": {"wait"}}, "sort"},
		{url.Values{"queue": {tech, tech}}, "queue"},
	} {
		code, got := monitorView(t, dora, tc.query)
		if code != http.StatusBadRequest || got.Error.Code != "invalid" || got.Error.Param != tc.param {
			t.Errorf("GET /agent/monitor?%s = %d %+v, want 400 naming %s", tc.query.Encode(), code, got.Error, tc.param)
		}
	}

	// An admin sees every line, this chat included.
	if code, got := monitorView(t, "max-dev-token", url.Values{"queue": {tech}}); code != http.StatusOK {
		t.Errorf("admin's view = %d %+v", code, got.Error)
	} else if _, ok := got.chat(got.Chats.Past, id); !ok {
		t.Errorf("the admin does not see the chat among past chats")
	}
}

// TestMonitorShowsWhatTheBusinessStarts: a notification scheduled for later is a future row
// of type outbound_sms, and a chat the business opens in a queue counts as outbound_sms in
// the queue's breakdown.
func TestMonitorShowsWhatTheBusinessStarts(t *testing.T) {
	number, p, key := outboundFixture(t, 12, 50)
	ctx := testCtx(t)
	admin := "max-dev-token"
	later, chatted := consumerPhone(), consumerPhone()
	at := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	if code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": number, "to": later, "body": "see you", "sendAt": at, "consent": consent()}); code != http.StatusAccepted || r.Status != "held" {
		t.Fatalf("scheduled notification = %d %+v", code, r)
	}
	code, r, _ := outCall(t, key, "/sessions", "", map[string]any{"from": number, "to": chatted, "body": "About your claim", "queue": p + "-q", "consent": consent()})
	if code != http.StatusAccepted || r.ChatID == "" {
		t.Fatalf("open chat in a queue = %d %+v", code, r)
	}
	v := waitMonitor(t, ctx, admin, 30*time.Second, "the scheduled text and the business's chat", func(v monitorJSON) bool {
		_, queued := v.chat(v.Chats.Future, r.ChatID)
		scheduled := false
		for _, c := range v.Chats.Future {
			scheduled = scheduled || (c.State == "scheduled" && c.Consumer == later)
		}
		return queued && scheduled
	})
	for _, c := range v.Chats.Future {
		if c.Consumer == later {
			if at2, _ := time.Parse(time.RFC3339Nano, c.ScheduledFor); !at2.Equal(at) || c.Type != "outbound_sms" || c.LineOfBusiness != p {
				t.Errorf("scheduled row = %+v, want type outbound_sms on %s for %v", c, p, at)
			}
		}
	}
	if c, _ := v.chat(v.Chats.Future, r.ChatID); c.Type != "outbound_sms" || c.StartType != "outbound" || c.State != "queued" {
		t.Errorf("the business's queued chat = %+v", c)
	}
	found := false
	for _, q := range v.Queues {
		if q.ID == p+"-q" {
			found = true
			if q.Waiting != 1 || q.ByType["outbound_sms"].Waiting != 1 || q.ByType["sms"].Waiting != 0 {
				t.Errorf("queue %s = %+v, want 1 waiting, of type outbound_sms", q.ID, q)
			}
		}
	}
	if !found {
		t.Errorf("the admin's view has no queue %s-q", p)
	}
}
