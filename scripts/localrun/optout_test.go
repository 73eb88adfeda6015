package localrun_test

import (
	"net/http"
	"testing"
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
	if got := sentTo(phone); len(got) != 5 {
		t.Fatalf("after STOP the consumer got %q", bodies(got[5:]))
	}

	text(t, phone, f.Number, "START")
	text(t, phone, f.Number, "I'm back")
	expectSMS(t, ctx, phone, 6, "ENGLISH")
	if got := bodies(sentTo(phone)); len(got) != 6 {
		t.Errorf("after START the consumer got %q, want only the menu (consent was given before)", got[5:])
	}
}
