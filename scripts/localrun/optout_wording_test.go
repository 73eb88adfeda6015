package localrun_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// flaggedChat is the agent's view of a chat with its possible opt-out request.
type flaggedChat struct {
	State          string `json:"state"`
	EndReason      string `json:"endReason"`
	PossibleOptOut *struct {
		Notice, Wording, OptOut, Dismiss string
	} `json:"possibleOptOut"`
	Error struct{ Code, Message string } `json:"error"`
}

type notice struct{ Type, ChatID, Reason string }

// waitNotice polls the agent's notices until one of type kind arrives.
func waitNotice(t *testing.T, ctx context.Context, token, kind string) notice {
	t.Helper()
	for {
		var res struct{ Events []notice }
		api(t, token, "GET", "/events", nil, &res)
		for _, n := range res.Events {
			if n.Type == kind {
				return n
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no %s notice; got %+v", kind, res.Events)
		case <-time.After(30 * time.Millisecond):
		}
	}
}

func notify(t *testing.T, key, from, to string) (int, outResult) {
	t.Helper()
	code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": from, "to": to, "body": "Your order has shipped.", "consent": consent()})
	return code, r
}

// TestOptOutWordingInReplyToNotificationOptsOut: "please stop texting me" in reply to a
// notification revokes consent (FCC 24-18): the consumer gets one confirmation, which we send
// as the carrier did not act on it, and the business's next text is refused citing that reply.
func TestOptOutWordingInReplyToNotificationOptsOut(t *testing.T) {
	number, _, key := outboundFixture(t, 12, 50)
	ctx := testCtx(t)
	phone := consumerPhone()
	if code, r := notify(t, key, number, phone); code != http.StatusAccepted {
		t.Fatalf("notification = %d %+v", code, r.Error)
	}
	expectSMS(t, ctx, phone, 1, "shipped")
	sid := text(t, phone, number, "Please stop texting me")
	if out := waitApplied(t, ctx, number, phone, sid); len(out) != 1 {
		t.Errorf("the reply queued %d messages, want one confirmation", len(out))
	}
	expectSMS(t, ctx, phone, 2, "You are unsubscribed")
	if code, r := notify(t, key, number, phone); code != http.StatusConflict || r.Error.Code != "opted_out" || !strings.Contains(r.Error.Message, "sms:"+sid) {
		t.Errorf("notification after the reply = %d %+v, want 409 opted_out citing %s", code, r.Error, sid)
	}
	waitIdle(t)
	if got := bodies(sentTo(phone)); len(got) != 2 {
		t.Errorf("consumer got %q, want the notification and one confirmation", got)
	}
}

// TestOptOutWordingInBusinessOpenedChatOptsOut: in a chat the business opened, "No more
// texts" ends the chat with the reason shown and opts the consumer out.
func TestOptOutWordingInBusinessOpenedChatOptsOut(t *testing.T) {
	number, p, _ := outboundFixture(t, 12, 50)
	ctx := testCtx(t)
	ola := "token-" + p + "-ola"
	phone := consumerPhone()
	code, r, _ := outCall(t, ola, "/sessions", "", map[string]any{"from": number, "to": phone, "body": "Hi, about your return", "agent": p + "-ola", "consent": consent()})
	if code != http.StatusAccepted {
		t.Fatalf("open chat = %d %+v", code, r.Error)
	}
	expectSMS(t, ctx, phone, 1, "about your return")
	text(t, phone, number, "No more texts, thanks")
	c := waitEntry(t, ola, r.ChatID, func(c chatJSON) bool { return c.State == "ended" })
	if c.EndReason != "consumer opted out (asked to stop texts)" {
		t.Errorf("chat ended with %q", c.EndReason)
	}
	expectSMS(t, ctx, phone, 2, "You are unsubscribed")
}

// TestOptOutWordingInSupportChatIsFlagged: in a chat the consumer opened, "cancel my order"
// may be just that: the agent sees a possible opt-out request, the consumer is told once which
// keyword opts out, no notification goes to them until the agent settles it, and the agent
// either dismisses it or opts the consumer out in one call.
func TestOptOutWordingInSupportChatIsFlagged(t *testing.T) {
	number, p, key := outboundFixture(t, 12, 50)
	ctx := testCtx(t)
	ola := "token-" + p + "-ola"
	phone := consumerPhone()
	api(t, ola, "PUT", "/status", map[string]string{"status": "available"}, nil)
	text(t, phone, number, "hi")
	expectSMS(t, ctx, phone, 3, "You're now chatting with Ola")
	chatID := waitChats(t, ctx, ola, func(cs []chatJSON) bool { return len(cs) == 1 })[0].ID

	text(t, phone, number, "I want to cancel my order")
	expectSMS(t, ctx, phone, 4, "reply STOP")
	var c flaggedChat
	api(t, ola, "GET", "/chats/"+chatID, nil, &c)
	if c.State != "assigned" || c.PossibleOptOut == nil || c.PossibleOptOut.Notice != "possible opt-out request" || c.PossibleOptOut.Wording != "cancel" {
		t.Fatalf("chat = %+v, want it open with a possible opt-out request", c)
	}
	var notices struct {
		Events []struct{ Type, ChatID, Reason string }
	}
	api(t, ola, "GET", "/events", nil, &notices)
	if n := notices.Events[len(notices.Events)-1]; n.Type != "possible_optout" || n.ChatID != chatID || n.Reason != "cancel" {
		t.Errorf("agent's last notice = %+v, want possible_optout for the chat", n)
	}
	if code, r := notify(t, key, number, phone); code != http.StatusConflict || r.Error.Code != "possible_opt_out" {
		t.Errorf("notification while flagged = %d %+v, want 409 possible_opt_out", code, r.Error)
	}

	c = flaggedChat{}
	if code := api(t, ola, "POST", "/chats/"+chatID+"/optout/dismiss", nil, &c); code != http.StatusOK || c.PossibleOptOut != nil || c.State != "assigned" {
		t.Fatalf("dismiss = %d %+v", code, c)
	}
	if code := api(t, ola, "POST", "/chats/"+chatID+"/optout/dismiss", nil, &c); code != http.StatusConflict || c.Error.Code != "no_optout_request" {
		t.Errorf("second dismiss = %d %+v, want 409 no_optout_request", code, c.Error)
	}
	if code, r := notify(t, key, number, phone); code != http.StatusAccepted {
		t.Errorf("notification after dismissal = %d %+v", code, r.Error)
	}
	expectSMS(t, ctx, phone, 5, "shipped")

	sid := text(t, phone, number, "just stop texting me")
	expectSMS(t, ctx, phone, 6, "reply STOP")
	waitApplied(t, ctx, number, phone, sid)
	c = flaggedChat{}
	if code := api(t, ola, "POST", "/chats/"+chatID+"/optout", nil, &c); code != http.StatusOK || c.State != "ended" || c.PossibleOptOut != nil {
		t.Fatalf("opt out = %d %+v", code, c)
	}
	expectSMS(t, ctx, phone, 7, "You are unsubscribed")
	if code, r := notify(t, key, number, phone); code != http.StatusConflict || r.Error.Code != "opted_out" || !strings.Contains(r.Error.Message, sid) {
		t.Errorf("notification after the agent's opt-out = %d %+v", code, r.Error)
	}
	waitIdle(t)
	if got := bodies(sentTo(phone)); len(got) != 7 {
		t.Errorf("consumer got %q", got)
	}
}
