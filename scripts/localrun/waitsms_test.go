package localrun_test

import (
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// TestWaitTimeSMS: a caller waiting in the voice queue is offered a text; on 1 they get it,
// and their reply and photo land in the call's chat, which the agent who takes it sees. A
// caller who presses nothing gets no text.
func TestWaitTimeSMS(t *testing.T) {
	f := newFixture(t)
	withVoice(t, f, map[string]any{}, map[string]any{"waitSms": true})
	ctx := testCtx(t)
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

	api(t, f.Tokens["ana"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	chats := waitChats(t, ctx, f.Tokens["ana"], func(cs []chatJSON) bool { return len(cs) == 1 && len(cs[0].Transcript) >= 3 })
	c := chats[0]
	if c.ID != "O"+res.CallSID {
		t.Errorf("the agent's chat %s is not the call's (%s)", c.ID, res.CallSID)
	}
	var reply bool
	for _, e := range c.Transcript {
		if e.Author == "consumer" && e.Body == "order 555, the screen is cracked" && len(e.Media) == 1 && e.Media[0].ContentType == "image/jpeg" {
			reply = true
		}
	}
	if !reply {
		t.Errorf("the caller's reply and photo are not in the chat: %+v", c.Transcript)
	}
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sentTo(quiet); len(got) != 0 {
		t.Errorf("a caller who did not ask got texts: %q", bodies(got))
	}
}
