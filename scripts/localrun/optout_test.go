package localrun_test

import (
	"context"
	"net/http"
	"testing"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// TestStopEndsChatAndSilencesNumberUntilStart: STOP ends the agent's chat at once with the
// reason shown, the carrier's own confirmation is recorded, nothing more is sent (not even an
// agent's reply), HELP is still answered, and START makes the number reachable again.
func TestStopEndsChatAndSilencesNumberUntilStart(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	ana := f.Tokens["ana"]
	phone, chatID := openChat(t, f)

	text(t, phone, f.Number, "Stop")
	waitChats(t, ctx, ana, func(cs []chatJSON) bool { return len(cs) == 0 })
	var ended chatJSON
	api(t, ana, "GET", "/chats/"+chatID, nil, &ended)
	if ended.State != "ended" || ended.EndReason != "consumer opted out (STOP)" {
		t.Errorf("chat after STOP: state %s, reason %q", ended.State, ended.EndReason)
	}
	last := ended.Transcript[len(ended.Transcript)-1]
	if last.Kind != "optout" || last.Status != "sent-by-carrier" {
		t.Errorf("opt-out confirmation entry = %+v, want one recorded as sent by the carrier", last)
	}
	var errBody struct {
		Error struct{ Code, Message string }
	}
	if code := api(t, ana, "POST", "/chats/"+chatID+"/messages", map[string]string{"body": "wait!"}, &errBody); code != http.StatusConflict || errBody.Error.Code != "chat_ended" {
		t.Errorf("reply after STOP = %d %+v, want 409 chat_ended", code, errBody)
	}

	hello := text(t, phone, f.Number, "hello?")
	if out := waitApplied(t, ctx, f.Number, phone, hello); len(out) != 0 {
		t.Errorf("a text after STOP made %d messages to send", len(out))
	}
	if sid := activeSession(t, ctx, f.Number, phone); sid != "" {
		t.Errorf("an opted-out consumer's text opened chat %s", sid)
	}
	waitIdle(t)
	if got := sentTo(phone); len(got) != 5 {
		t.Fatalf("after STOP the consumer got %q", bodies(got[5:]))
	}
	if got := sim.CarrierSent(); !hasCarrierReply(got, phone, "STOP") {
		t.Errorf("the consumer's phone never got the carrier's STOP reply: %+v", got)
	}

	text(t, phone, f.Number, "START")
	text(t, phone, f.Number, "I'm back")
	expectSMS(t, ctx, phone, 6, "ENGLISH")
	waitIdle(t)
	if got := bodies(sentTo(phone)); len(got) != 6 {
		t.Errorf("after START the consumer got %q, want only the menu (consent was given before)", got[5:])
	}
}

// TestRevokeAndOptOutEndTheChat: REVOKE and OPTOUT, among the carrier's default opt-out words,
// end the chat and opt the number out as STOP does; the consumer's phone gets the carrier's
// own confirmation, recorded on the transcript and not sent a second time.
func TestRevokeAndOptOutEndTheChat(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	ana := f.Tokens["ana"]
	for _, word := range []string{"Revoke", "OPTOUT"} {
		phone, chatID := openChat(t, f)
		text(t, phone, f.Number, word)
		ended := waitEntry(t, ana, chatID, func(c chatJSON) bool { return c.State == "ended" })
		if ended.EndReason != "consumer opted out (STOP)" {
			t.Errorf("%s: chat ended with %q", word, ended.EndReason)
		}
		if last := ended.Transcript[len(ended.Transcript)-1]; last.Kind != "optout" || last.Status != "sent-by-carrier" {
			t.Errorf("%s: last entry %+v, want the carrier's confirmation recorded", word, last)
		}
		if code := api(t, ana, "POST", "/chats/"+chatID+"/messages", map[string]string{"body": "still there?"}, nil); code != http.StatusConflict {
			t.Errorf("%s: the agent's reply after it = %d, want 409 (the chat has ended)", word, code)
		}
		if cons, err := runner.Store.Consumer(ctx, f.Number, phone); err != nil || !cons.OptedOut {
			t.Errorf("%s: consumer not opted out: %+v %v", word, cons, err)
		}
		inbox := sim.Inbox(phone)
		if last := inbox[len(inbox)-1]; !last.ByCarrier || last.Body != carriersim.CarrierReplies["STOP"] {
			t.Errorf("%s: the phone's last message is %q, want the carrier's confirmation", word, last.Body)
		}
		waitIdle(t)
		if got := sentTo(phone); len(got) != 5 {
			t.Errorf("%s: we sent %q after it", word, bodies(got[5:]))
		}
	}
}

// hasCarrierReply reports whether the carrier answered phone's keyword kind itself.
func hasCarrierReply(ms []carriersim.Message, phone, kind string) bool {
	for _, m := range ms {
		if m.To == phone && m.ByCarrier && m.Body == carriersim.CarrierReplies[kind] {
			return true
		}
	}
	return false
}

// setNumberOptions changes a test's business number before it is first used, as the admin
// API would: settings the fixtures do not take, such as carrierConfirmsOptOut.
func setNumberOptions(t *testing.T, number string, fields map[string]any) {
	t.Helper()
	if _, err := runner.Store.Client().Collection("numbers").Doc(number).Set(context.Background(), fields, firestore.MergeAll); err != nil {
		t.Fatalf("configure %s: %v", number, err)
	}
}
