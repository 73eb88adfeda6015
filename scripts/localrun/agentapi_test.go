package localrun_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

// rawCall sends body as is to the agent or admin API ("/agent/..." or "/admin/...") and
// returns the status and the decoded error, if any.
func rawCall(t *testing.T, token, method, path, body string) (int, apiError) {
	t.Helper()
	req, _ := http.NewRequest(method, runner.BaseURL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %.80s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e apiError
	_ = json.Unmarshal(raw, &e)
	if len(raw) > 2000 {
		t.Errorf("%s %.80s: the answer has %d bytes: %.200s…", method, path, len(raw), raw)
	}
	return resp.StatusCode, e
}

// TestReplyAnswersTheStoredMessage: the answer to a reply is the transcript line as stored,
// with its sequence number and time.
func TestReplyAnswersTheStoredMessage(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	id := connectChat(t, ctx, f, consumerPhone())
	var got map[string]any
	if code := api(t, f.Tokens["ana"], "POST", "/chats/"+id+"/messages", map[string]string{"body": "Let me check"}, &got); code != http.StatusCreated {
		t.Fatalf("reply = %d %v", code, got)
	}
	entries, err := runner.Store.Transcript(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	last := entries[len(entries)-1]
	if last.Body != "Let me check" {
		t.Fatalf("last stored line = %+v", last)
	}
	if seq, _ := got["seq"].(float64); int(seq) != last.Seq {
		t.Errorf("answer seq = %v, stored %d; answer %v", got["seq"], last.Seq, got)
	}
	at, _ := time.Parse(time.RFC3339Nano, fmtString(got["at"]))
	if !at.Equal(last.At) {
		t.Errorf("answer at = %v, stored %v", got["at"], last.At)
	}
	if _, ok := got["errorCode"]; ok {
		t.Errorf("answer carries an unset errorCode: %v", got)
	}
}

func fmtString(v any) string { s, _ := v.(string); return s }

// TestAgentAPIAnswersBadCallsClearly: unknown or malformed targets and ids, other agents'
// chats, ended chats and malformed bodies get the answer that says what is wrong, never a 500,
// and nothing changes.
func TestAgentAPIAnswersBadCallsClearly(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	ana, bea := f.Tokens["ana"], f.Tokens["bea"]
	id := connectChat(t, ctx, f, phone)
	before := len(transcriptOf(t, ctx, id))

	check := func(name string, token, method, path, body string, wantCode int, wantCodeName, wantMsg string) {
		t.Helper()
		code, e := rawCall(t, token, method, "/agent"+path, body)
		if code != wantCode || e.Error.Code != wantCodeName || !strings.Contains(e.Error.Message, wantMsg) {
			t.Errorf("%s: %d %+v, want %d %s %q", name, code, e, wantCode, wantCodeName, wantMsg)
		}
	}
	check("transfer to a path as agent", ana, "POST", "/chats/"+id+"/transfer", `{"agent": "../agents/luis"}`, 409, "transfer_failed", "no agent")
	check("transfer to an agent id with a slash", ana, "POST", "/chats/"+id+"/transfer", `{"agent": "a/b"}`, 409, "transfer_failed", "no agent")
	check("transfer of another agent's chat to oneself", bea, "POST", "/chats/"+id+"/transfer", `{"agent": "`+f.Prefix+`-bea"}`, 404, "not_found", "no such chat")
	check("transfer of one's chat to oneself", ana, "POST", "/chats/"+id+"/transfer", `{"agent": "`+f.Prefix+`-ana"}`, 400, "invalid", "already yours")
	check("two JSON objects", ana, "POST", "/chats/"+id+"/messages", `{"body": "one"}{"body": "two"}`, 400, "invalid_json", "one JSON object")
	check("JSON and garbage", ana, "POST", "/chats/"+id+"/messages", `{"body": "one"} x`, 400, "invalid_json", "one JSON object")
	for _, p := range []string{"a%2Fb", "__x__", id + "%2Ftranscript"} {
		check("chat id "+p, ana, "GET", "/chats/"+p, "", 404, "not_found", "no such chat")
		check("reply to chat id "+p, ana, "POST", "/chats/"+p+"/messages", `{"body": "hi"}`, 404, "not_found", "no such chat")
		check("end chat id "+p, ana, "POST", "/chats/"+p+"/end", "", 404, "not_found", "no such chat")
		check("contact id "+p, ana, "GET", "/contacts/"+p, "", 404, "not_found", "no such contact")
		check("update contact id "+p, ana, "PUT", "/contacts/"+p, `{"phone": "+15551234567"}`, 404, "not_found", "no such contact")
	}
	// A dot segment is no id: no route takes it.
	for _, p := range []string{"..%2Fagents", "a%2F..%2Fb", "%2E", "%2E%2E"} {
		check("chat id "+p, ana, "GET", "/chats/"+p, "", 404, "not_found", "no route")
		check("reply to chat id "+p, ana, "POST", "/chats/"+p+"/messages", `{"body": "hi"}`, 404, "not_found", "no route")
	}
	huge := strings.Repeat("x", 100000)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/chats/" + huge, ""},
		{"POST", "/chats/" + huge + "/messages", `{"body": "hi"}`},
		{"POST", "/chats/" + huge + "/end", ""},
		{"POST", "/chats/" + huge + "/transfer", `{"queue": "q"}`},
		{"POST", "/chats/" + id + "/transfer", `{"agent": "` + huge + `"}`},
		{"POST", "/chats/" + id + "/transfer", `{"queue": "` + huge + `"}`},
		{"GET", "/contacts/" + huge, ""},
		{"GET", "/nothing/" + huge, ""},
		{"PUT", "/status", `{"status": "` + huge + `"}`},
		{"POST", "/chats/" + id + "/contact", `{"contactId": "` + huge + `"}`},
		{"POST", "/chats/" + id + "/messages", `{"predefined": "` + huge + `"}`},
		{"GET", "/chats/" + huge + "/predefined", ""},
	} {
		code, e := rawCall(t, ana, c.method, "/agent"+c.path, c.body)
		if code == http.StatusInternalServerError || len(e.Error.Message) > 300 || strings.Contains(e.Error.Message, huge[:300]) {
			t.Errorf("%s %.40s… with a 100,000-character id = %d, message of %d bytes", c.method, c.path, code, len(e.Error.Message))
		}
	}
	var after []string
	for _, l := range transcriptOf(t, ctx, id) {
		if !strings.Contains(l, "transfer_failed") {
			after = append(after, l)
		}
	}
	if len(after) != before {
		t.Errorf("bad calls changed the chat: %q", transcriptOf(t, ctx, id)[before:])
	}

	// Ana's own chat, once ended: acting on it says so.
	if code := api(t, ana, "POST", "/chats/"+id+"/end", nil, nil); code != http.StatusOK {
		t.Fatalf("end = %d", code)
	}
	check("reply to one's ended chat", ana, "POST", "/chats/"+id+"/messages", `{"body": "still there?"}`, 409, "chat_ended", "the chat has ended")
	check("end one's ended chat", ana, "POST", "/chats/"+id+"/end", "", 409, "chat_ended", "the chat has ended")
	check("transfer one's ended chat", ana, "POST", "/chats/"+id+"/transfer", `{"queue": "`+f.Prefix+`-billing"}`, 409, "chat_ended", "the chat has ended")
	check("reply to another agent's ended chat", bea, "POST", "/chats/"+id+"/messages", `{"body": "hi"}`, 404, "not_found", "no such chat")
}

// TestAdminAPIAnswersBadCallsClearly: malformed ids and bodies are refused with what to fix,
// and huge ids are not echoed whole.
func TestAdminAPIAnswersBadCallsClearly(t *testing.T) {
	f := newFixture(t)
	admin := "token-" + f.Prefix + "-root"
	loadCatalog(t, config.Catalog{Agents: []config.Agent{{ID: f.Prefix + "-root", Name: "Root", Role: "admin", Token: admin}}})
	check := func(method, path, body string, wantCode int, wantMsg string) {
		t.Helper()
		code, e := rawCall(t, admin, method, "/admin"+path, body)
		if code != wantCode || !strings.Contains(e.Error.Message, wantMsg) {
			t.Errorf("%s %.60s: %d %+v, want %d %q", method, path, code, e, wantCode, wantMsg)
		}
	}
	q := `{"name": "X", "lineOfBusiness": "` + f.Prefix + `", "parent": "` + f.Prefix + `-en", "order": 9}`
	check("PUT", "/queues/a%2Fb", q, 400, "not a valid id")
	check("PUT", "/queues/__x__", q, 400, "not a valid id")
	check("PUT", "/agents/%2E%2E", `{"name": "Dot", "queues": [], "token": "dot-token"}`, 404, "no route")
	check("PUT", "/teams/a%2Fb", `{"name": "T", "queues": [], "members": []}`, 400, "not a valid id")
	check("DELETE", "/agents/a%2Fb", "", 404, "no agent")
	check("DELETE", "/queues/%2E%2E", "", 404, "no route")
	check("DELETE", "/queues/__x__", "", 404, "no queue")
	check("PUT", "/settings", `{"defaultCapacity": 3}{"smsChatOff": true}`, 400, "one JSON object")
	check("PUT", "/queues/"+f.Prefix+"-tech", q+` []`, 400, "one JSON object")
	huge := strings.Repeat("y", 100000)
	for _, m := range []string{"PUT", "DELETE"} {
		for _, kind := range []string{"queues", "numbers", "agents", "teams"} {
			code, e := rawCall(t, admin, m, "/admin/"+kind+"/"+huge, `{"name": "X"}`)
			if code == http.StatusInternalServerError || len(e.Error.Message) > 300 {
				t.Errorf("%s a 100,000-character id in /%s = %d, message of %d bytes", m, kind, code, len(e.Error.Message))
			}
		}
	}
}
