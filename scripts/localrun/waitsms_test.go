package localrun_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/voice"
)

// TestWaitTimeSMS: a caller waiting in the voice queue is offered a text; on 1 they get it,
// and their reply and photo wait in the call's chat, which no available agent of the mapped
// SMS queue is given. Carl takes the call (his <Dial><Queue url> names him): the chat becomes
// his with everything the caller texted, the caller's next text reaches him, Ana (available,
// serving the same queue) never gets it and may not text the caller, and the chat ends with
// the call. A caller who presses nothing gets no text.
func TestWaitTimeSMS(t *testing.T) {
	f := newFixture(t)
	withVoice(t, f, map[string]any{}, map[string]any{"waitSms": true})
	ctx := testCtx(t)
	ana, carl := f.Tokens["ana"], f.Tokens["carl"]
	api(t, ana, "PUT", "/status", map[string]string{"status": "available"}, nil)
	api(t, carl, "PUT", "/status", map[string]string{"status": "available"}, nil)
	caller, quiet := consumerPhone(), consumerPhone()

	res := call(t, carriersim.Call{From: caller, To: f.Number, Keys: []string{"1"}, Waits: 2})
	if res.Outcome != "enqueued" || res.Gathers != 1 || !strings.Contains(spoken(res), "Press 1 to get the text") {
		t.Fatalf("waiting caller: %+v", res)
	}
	expectSMS(t, ctx, caller, 1, "While you wait on the phone, reply with details")
	text(t, caller, f.Number, "order 555, the screen is cracked", carriersim.Media{ContentType: "image/jpeg", Data: []byte("photo")})

	res2 := call(t, carriersim.Call{From: quiet, To: f.Number, Waits: 2})
	if res2.Outcome != "enqueued" || res2.Gathers != 1 {
		t.Errorf("quiet caller: %+v", res2)
	}
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"ana": ana, "carl": carl} {
		if chats := waitChats(t, ctx, tok, func([]chatJSON) bool { return true }); len(chats) != 0 {
			t.Errorf("%s, available in the SMS queue, was given the waiting caller's chat before anyone answered the call: %+v", name, chats)
		}
	}
	chat, err := runner.Store.Session(ctx, "O"+res.CallSID)
	if err != nil || chat.State != session.AwaitingCall || chat.StartType != session.StartWaitSMS {
		t.Fatalf("the call's chat before the call is answered: %+v, %v", chat, err)
	}

	// Carl's phone dials the queue; the carrier requests his Queue url, then bridges.
	b, err := sim.BridgeCall(context.Background(), carriersim.Bridge{CallSID: res.CallSID, URL: voice.BridgeURL(runner.BaseURL+"/voice", f.Prefix+"-carl")})
	if err != nil || b.StatusCode != http.StatusOK {
		t.Fatalf("bridge: %+v, %v", b, err)
	}
	chats := waitChats(t, ctx, carl, func(cs []chatJSON) bool { return len(cs) == 1 })
	c := chats[0]
	if c.ID != "O"+res.CallSID {
		t.Errorf("carl's chat %s is not the call's (%s)", c.ID, res.CallSID)
	}
	var reply bool
	for _, e := range c.Transcript {
		if e.Author == "consumer" && e.Body == "order 555, the screen is cracked" && len(e.Media) == 1 && e.Media[0].ContentType == "image/jpeg" {
			reply = true
		}
	}
	if !reply {
		t.Errorf("what the caller texted while waiting is not in carl's chat: %+v", c.Transcript)
	}
	expectSMS(t, ctx, caller, 2, "You're now chatting with Carl")
	// Ana's phone dialling the same call later (a second bridge request) takes nothing.
	form := url.Values{"CallSid": {res.CallSID}, "AccountSid": {accountSID}, "From": {caller}, "To": {f.Number},
		"CallStatus": {"in-progress"}, "QueueTime": {"60"}, "DequeingCallSid": {"CA" + strings.Repeat("1", 32)}}
	anaBridge := voice.BridgeURL(runner.BaseURL+"/voice", f.Prefix+"-ana")
	if code := postSigned(t, anaBridge, form, carriersim.Signature(authToken, anaBridge, form)); code != http.StatusOK {
		t.Errorf("a second agent's bridge request: %d", code)
	}

	text(t, caller, f.Number, "it is the left corner")
	waitChats(t, ctx, carl, func(cs []chatJSON) bool {
		return len(cs) == 1 && cs[len(cs)-1].Transcript[len(cs[0].Transcript)-1].Body == "it is the left corner"
	})
	var e apiError
	if code := api(t, ana, "POST", "/calls/"+res.CallSID+"/messages", map[string]string{"body": "hi"}, &e); code != http.StatusConflict || e.Error.Code != "not_your_call" {
		t.Errorf("another agent's in-call text: %d %+v", code, e)
	}
	var sent struct{ ChatID string }
	if code := api(t, carl, "POST", "/calls/"+res.CallSID+"/messages", map[string]string{"body": "I see it, one moment."}, &sent); code != http.StatusCreated || sent.ChatID != "O"+res.CallSID {
		t.Errorf("carl's in-call text: %d %+v", code, sent)
	}
	expectSMS(t, ctx, caller, 3, "I see it, one moment.")

	// The call ends: the Enqueue action hears QueueResult bridged, the status callback ends the chat.
	if code, err := sim.EndCall(context.Background(), res.CallSID, caller, f.Number, 300); err != nil || code != http.StatusOK {
		t.Fatalf("end call: %d %v", code, err)
	}
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if chat, err := runner.Store.Session(ctx, "O"+res.CallSID); err != nil || chat.State != session.Ended || chat.AgentID != f.Prefix+"-carl" {
		t.Errorf("the call's chat after the call: %+v, %v", chat, err)
	}
	if chats := waitChats(t, ctx, ana, func([]chatJSON) bool { return true }); len(chats) != 0 {
		t.Errorf("ana got a chat: %+v", chats)
	}
	if got := sentTo(quiet); len(got) != 0 {
		t.Errorf("a caller who did not ask got texts: %q", bodies(got))
	}

	// A caller who opted out of texts is not offered one while waiting.
	optedOut := consumerPhone()
	text(t, optedOut, f.Number, "STOP")
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	before := len(sentTo(optedOut))
	if res := call(t, carriersim.Call{From: optedOut, To: f.Number, Keys: []string{"1"}, Waits: 2}); res.Outcome != "enqueued" || res.Gathers != 0 {
		t.Errorf("opted-out caller offered a text while waiting: %+v", res)
	}
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sentTo(optedOut); len(got) != before {
		t.Errorf("an opted-out caller got texts: %q", bodies(got[before:]))
	}
}
