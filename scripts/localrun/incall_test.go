package localrun_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TestInCallSMS: the agent on a live call texts the caller, who answers with a photo in the
// same chat; the call's end (its status callback) ends the chat, the agent can text no more,
// and the caller's next text opens a chat of its own.
func TestInCallSMS(t *testing.T) {
	f := newFixture(t)
	withVoice(t, f, map[string]any{})
	ctx := testCtx(t)
	ana := f.Tokens["ana"]
	caller := consumerPhone()
	res := call(t, carriersim.Call{From: caller, To: f.Number, Waits: 1})
	if res.Outcome != "enqueued" {
		t.Fatalf("call: %+v", res)
	}
	var e apiError
	if code := api(t, ana, "POST", "/calls/CA"+strings.Repeat("0", 32)+"/messages", map[string]string{"body": "hi"}, &e); code != http.StatusConflict || e.Error.Code != "call_not_active" {
		t.Errorf("text on an unknown call: %d %+v", code, e)
	}
	var opened struct{ ChatID string }
	if code := api(t, ana, "POST", "/calls/"+res.CallSID+"/messages", map[string]string{"body": "Please send a photo of the label."}, &opened); code != http.StatusCreated || opened.ChatID != "O"+res.CallSID {
		t.Fatalf("in-call text: %d %+v", code, opened)
	}
	expectSMS(t, ctx, caller, 1, "Please send a photo of the label.")
	if code := api(t, ana, "POST", "/calls/"+res.CallSID+"/messages", map[string]string{"body": "Thanks, got it?"}, nil); code != http.StatusCreated {
		t.Errorf("second in-call text: %d", code)
	}
	expectSMS(t, ctx, caller, 2, "Thanks, got it?")
	text(t, caller, f.Number, "here it is", carriersim.Media{ContentType: "image/png", Data: []byte("label")})
	chats := waitChats(t, ctx, ana, func(cs []chatJSON) bool { return len(cs) == 1 && len(cs[0].Transcript) >= 3 })
	if got := chats[0].Transcript[2]; got.Author != "consumer" || got.Body != "here it is" || len(got.Media) != 1 {
		t.Errorf("the caller's photo: %+v", chats[0].Transcript)
	}

	if code, err := sim.EndCall(context.Background(), res.CallSID, caller, f.Number, 95); err != nil || code != http.StatusOK {
		t.Fatalf("call status callback: %d %v", code, err)
	}
	expectSMS(t, ctx, caller, 3, "This chat has ended")
	chat, err := runner.Store.Session(ctx, "O"+res.CallSID)
	if err != nil || chat.State != session.Ended || chat.EndReason != session.EndCallEnded || chat.StartType != session.StartInCall {
		t.Errorf("the call's chat after the call: %+v, %v", chat, err)
	}
	if code := api(t, ana, "POST", "/calls/"+res.CallSID+"/messages", map[string]string{"body": "one more"}, &e); code != http.StatusConflict || e.Error.Code != "call_not_active" {
		t.Errorf("text after the call: %d %+v", code, e)
	}
	// A retried status callback changes nothing.
	if code, _ := sim.EndCall(context.Background(), res.CallSID, caller, f.Number, 95); code != http.StatusOK {
		t.Errorf("retried status callback: %d", code)
	}
	sid := text(t, caller, f.Number, "one more thing")
	expectSMS(t, ctx, caller, 4, "Reply 1 or ENGLISH") // a new chat: its menu (consent is on record)
	if _, err := runner.Store.Session(ctx, "C"+sid); err != nil {
		t.Errorf("the text after the call opened no chat of its own: %v", err)
	}
	tr, _ := runner.Store.Transcript(ctx, "O"+res.CallSID)
	for _, e := range tr {
		if e.Body == "one more thing" {
			t.Errorf("a text after the call was attached to the call's chat")
		}
	}
}
