package localrun_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/voice"
)

// withVoice gives the fixture's number a voice queue mapped to its Tech queue, through the
// admin API, and returns the admin's token.
func withVoice(t *testing.T, f fixture, vq map[string]any, voiceExtra ...map[string]any) string {
	t.Helper()
	voice := map[string]any{"queues": []any{vq}}
	for _, e := range voiceExtra {
		for k, v := range e {
			voice[k] = v
		}
	}
	admin := adminOf(t, f)
	vq["id"], vq["smsQueue"] = f.Prefix+"-calls", f.Prefix+"-tech"
	code, e := adminCall(t, admin, "PUT", "/numbers/"+f.Number, map[string]any{
		"lineOfBusiness": f.Prefix, "entryQueue": f.Prefix + "-lang", "defaultLanguage": "en", "brand": "Shop " + f.Prefix,
		"exitWord": "EXIT", "mps": 100, "voice": voice,
	})
	if code != http.StatusOK {
		t.Fatalf("configure voice: %d %s", code, e.Error.Message)
	}
	return admin
}

func call(t *testing.T, c carriersim.Call) carriersim.CallResult {
	t.Helper()
	res, err := sim.PlaceCall(context.Background(), c)
	if err != nil {
		t.Fatalf("call: %v (%+v)", err, res)
	}
	return res
}

func spoken(res carriersim.CallResult) string { return strings.Join(res.Said, " | ") }

// TestCallOverThresholdDeflectsToSMS: nobody serving the queue is online, so the wait is over
// the threshold: the caller is offered text, presses 1, hears the goodbye and gets a text that
// opens a deflection chat in the mapped SMS queue, which an agent then takes.
func TestCallOverThresholdDeflectsToSMS(t *testing.T) {
	f := newFixture(t)
	withVoice(t, f, map[string]any{"ewtThresholdSeconds": 60})
	ctx := testCtx(t)
	caller := consumerPhone()

	res := call(t, carriersim.Call{From: caller, To: f.Number, Keys: []string{"1"}})
	if res.Outcome != "hungup" || res.Gathers != 1 || !strings.Contains(spoken(res), "press 1") || !strings.Contains(spoken(res), "We've sent you a text") {
		t.Fatalf("deflected call: %+v", res)
	}
	expectSMS(t, ctx, caller, 1, "Thanks for calling")
	chat, err := runner.Store.Session(ctx, "O"+res.CallSID)
	if err != nil || chat.StartType != session.StartDeflection || chat.State != session.Queued || chat.QueueID != f.Prefix+"-tech" {
		t.Fatalf("deflection chat: %+v, %v", chat, err)
	}
	// The carrier retries the Gather's action: the same chat, no second text.
	res2 := call(t, carriersim.Call{From: caller, To: f.Number, CallSID: res.CallSID, Keys: []string{"1"}})
	if res2.Outcome != "hungup" {
		t.Errorf("retried deflection: %+v", res2)
	}
	api(t, f.Tokens["ana"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	expectSMS(t, ctx, caller, 2, "You're now chatting with Ana")
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(sentTo(caller)); n != 2 {
		t.Errorf("texts to the caller: %q", bodies(sentTo(caller)))
	}
	text(t, caller, f.Number, "my router is broken")
	var mine struct{ Chats []chatJSON }
	api(t, f.Tokens["ana"], "GET", "/chats", nil, &mine)
	if len(mine.Chats) != 1 || mine.Chats[0].ID != chat.ID || !strings.Contains(kindsOf(mine.Chats[0]), "outbound") {
		t.Errorf("ana's chats: %+v", mine.Chats)
	}
}

// TestCallStaysOnTheLine: pressing another key, an estimate under the threshold and an
// opted-out caller all keep the call in the voice queue, with no text sent.
func TestCallStaysOnTheLine(t *testing.T) {
	f := newFixture(t)
	withVoice(t, f, map[string]any{"ewtThresholdSeconds": 60})
	ctx := testCtx(t)

	// Over the threshold, the caller presses 2: they wait on the phone.
	declined := consumerPhone()
	res := call(t, carriersim.Call{From: declined, To: f.Number, Keys: []string{"2"}, Waits: 1})
	if res.Outcome != "enqueued" || res.Queue != f.Prefix+"-calls" || !strings.Contains(spoken(res), "stay on the line") {
		t.Errorf("declined offer: %+v", res)
	}

	// An opted-out caller is never offered a text.
	optedOut := consumerPhone()
	text(t, optedOut, f.Number, "STOP")
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	before := len(sentTo(optedOut))
	res = call(t, carriersim.Call{From: optedOut, To: f.Number, Keys: []string{"1"}})
	if res.Outcome != "enqueued" || res.Gathers != 0 {
		t.Errorf("opted-out caller: %+v", res)
	}

	// A free agent: the estimate is under the threshold, no offer.
	api(t, f.Tokens["carl"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	under := consumerPhone()
	res = call(t, carriersim.Call{From: under, To: f.Number, Keys: []string{"1"}})
	if res.Outcome != "enqueued" || res.Gathers != 0 || !strings.Contains(spoken(res), "Thanks for calling Shop") {
		t.Errorf("under the threshold: %+v", res)
	}
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if len(sentTo(declined)) != 0 || len(sentTo(optedOut)) != before || len(sentTo(under)) != 0 {
		t.Errorf("texts: declined %q, opted out %q, under %q", bodies(sentTo(declined)), bodies(sentTo(optedOut)), bodies(sentTo(under)))
	}
}

// TestForcedDeflection: the queue moves every caller to text without asking.
func TestForcedDeflection(t *testing.T) {
	f := newFixture(t)
	withVoice(t, f, map[string]any{"forceDeflection": true})
	ctx := testCtx(t)
	api(t, f.Tokens["carl"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	caller := consumerPhone()
	res := call(t, carriersim.Call{From: caller, To: f.Number})
	if res.Outcome != "hungup" || res.Gathers != 0 || !strings.Contains(spoken(res), "We've sent you a text") {
		t.Fatalf("forced deflection: %+v", res)
	}
	expectSMS(t, ctx, caller, 1, "Thanks for calling")
	expectSMS(t, ctx, caller, 2, "You're now chatting with Carl")
}

// TestBlockedNumber: an admin blocks a number; its call is rejected and its text opens
// nothing and gets no reply; both are counted once, retries included; unblocking restores it.
func TestBlockedNumber(t *testing.T) {
	f := newFixture(t)
	admin := withVoice(t, f, map[string]any{"ewtThresholdSeconds": 60})
	ctx := testCtx(t)
	caller := consumerPhone()
	if code, e := adminCall(t, admin, "PUT", "/blocked/"+caller, map[string]string{"reason": "abuse"}); code != http.StatusOK {
		t.Fatalf("block: %d %s", code, e.Error.Message)
	}
	if code, _ := adminCall(t, admin, "PUT", "/blocked/5551234", nil); code != http.StatusBadRequest {
		t.Errorf("blocking a malformed number: %d", code)
	}
	res := call(t, carriersim.Call{From: caller, To: f.Number})
	if res.Outcome != "rejected" || len(res.Said) != 0 {
		t.Errorf("blocked call: %+v", res)
	}
	call(t, carriersim.Call{From: caller, To: f.Number, CallSID: res.CallSID}) // the carrier retries
	sid := text(t, caller, f.Number, "hello?")
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sentTo(caller); len(got) != 0 {
		t.Errorf("a blocked number got texts: %q", bodies(got))
	}
	if _, err := runner.Store.Session(ctx, "C"+sid); err == nil {
		t.Errorf("a blocked number's text opened chat C%s", sid)
	}
	row := blockedRow(t, admin, caller)
	if row == nil || row.DroppedCalls != 1 || row.DroppedTexts != 1 || row.Reason != "abuse" {
		t.Errorf("blocked list row: %+v", row)
	}
	if code, _ := adminCall(t, admin, "DELETE", "/blocked/"+caller, nil); code != http.StatusOK {
		t.Errorf("unblock: %d", code)
	}
	if code, _ := adminCall(t, admin, "DELETE", "/blocked/"+caller, nil); code != http.StatusNotFound {
		t.Errorf("unblocking again: %d, want 404", code)
	}
	text(t, caller, f.Number, "hello again")
	expectSMS(t, ctx, caller, 1, "Thanks for texting us")
}

type blockedJSON struct {
	Number, Reason             string
	DroppedCalls, DroppedTexts int
}

func blockedRow(t *testing.T, admin, number string) *blockedJSON {
	t.Helper()
	req, _ := http.NewRequest("GET", runner.BaseURL+"/admin/blocked", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Blocked []blockedJSON }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	for _, b := range out.Blocked {
		if b.Number == number {
			return &b
		}
	}
	return nil
}

// TestVoiceWebhookRefusesForgedAndMalformed: a call webhook with a wrong signature is 403, a
// signed one the carrier would never send is 400; neither reaches the voice queue.
func TestVoiceWebhookRefusesForgedAndMalformed(t *testing.T) {
	f := newFixture(t)
	withVoice(t, f, map[string]any{})
	target := runner.BaseURL + "/voice"
	post := func(form url.Values, sig string) int { return postSigned(t, target, form, sig) }
	good := url.Values{"CallSid": {"CA0123456789abcdef0123456789abcdef"}, "AccountSid": {accountSID},
		"From": {consumerPhone()}, "To": {f.Number}, "CallStatus": {"ringing"}}
	if code := post(good, carriersim.Signature("wrong-token", target, good)); code != http.StatusForbidden {
		t.Errorf("forged call webhook: %d, want 403", code)
	}
	for name, change := range map[string]func(url.Values){
		"CallSid":    func(v url.Values) { v.Set("CallSid", "CA../../x") },
		"From":       func(v url.Values) { v.Set("From", "anonymous") },
		"CallStatus": func(v url.Values) { v.Set("CallStatus", "dancing") },
		"Digits":     func(v url.Values) { v.Set("Digits", "1<Hangup/>") },
		"missing":    func(v url.Values) { v.Del("CallStatus") },
		"account":    func(v url.Values) { v.Set("AccountSid", "AC"+strings.Repeat("f", 32)) },
		"dequeuing":  func(v url.Values) { v.Set("DequeingCallSid", "agent-ana") },
		"result":     func(v url.Values) { v.Set("QueueResult", "abducted") },
	} {
		bad := url.Values{}
		for k, vs := range good {
			bad[k] = append([]string{}, vs...)
		}
		change(bad)
		if code := post(bad, carriersim.Signature(authToken, target, bad)); code != http.StatusBadRequest {
			t.Errorf("malformed call webhook (%s): %d, want 400", name, code)
		}
	}
	if code := post(good, carriersim.Signature(authToken, target, good)); code != http.StatusOK {
		t.Errorf("genuine call webhook: %d", code)
	}
	// The bridge url names the agent taking the call: signed like the rest, and an agent
	// parameter that cannot name an agent is 400.
	bridge := func(agent string) string { return voice.BridgeURL(target, agent) }
	if code := postSigned(t, bridge(f.Prefix+"-ana"), good, carriersim.Signature(authToken, bridge(f.Prefix+"-carl"), good)); code != http.StatusForbidden {
		t.Errorf("bridge url signed for another agent: %d, want 403", code)
	}
	for _, agent := range []string{"", "../x", strings.Repeat("a", 2000)} {
		if code := postSigned(t, bridge(agent), good, carriersim.Signature(authToken, bridge(agent), good)); code != http.StatusBadRequest {
			t.Errorf("bridge url with agent %.20q: %d, want 400", agent, code)
		}
	}
}
