package localrun_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// openChat brings a new consumer of f into an assigned chat with ana and returns phone and id.
func openChat(t *testing.T, f fixture) (string, string) {
	t.Helper()
	ctx := testCtx(t)
	phone := consumerPhone()
	ana := f.Tokens["ana"]
	api(t, ana, "PUT", "/status", map[string]string{"status": "available"}, nil)
	text(t, phone, f.Number, "hi")
	text(t, phone, f.Number, "1")
	text(t, phone, f.Number, "1")
	expectSMS(t, ctx, phone, 5, "You're now chatting with Ana")
	chats := waitChats(t, ctx, ana, func(cs []chatJSON) bool { return len(cs) == 1 })
	return phone, chats[0].ID
}

// TestCarrierOptOutIsLearnedAndHonoured: when the carrier refuses a message with 21610 (the
// consumer opted out with the carrier), the number is marked opted out and no later message is
// even attempted; the agent sees the failure on the transcript.
func TestCarrierOptOutIsLearnedAndHonoured(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone, id := openChat(t, f)
	ana := f.Tokens["ana"]
	sim.SetOptedOut(f.Number, phone, true)

	api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "first try"}, nil)
	c := waitEntry(t, ana, id, func(c chatJSON) bool { return c.Transcript[len(c.Transcript)-1].Status == "failed" })
	if e := c.Transcript[len(c.Transcript)-1]; e.Body != "first try" {
		t.Errorf("failed entry = %+v", e)
	}
	cons, err := runner.Store.Consumer(ctx, f.Number, phone)
	if err != nil || !cons.OptedOut {
		t.Fatalf("consumer not marked opted out after 21610: %+v %v", cons, err)
	}
	before := len(sim.Sent())
	api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "second try"}, nil)
	c = waitEntry(t, ana, id, func(c chatJSON) bool { return c.Transcript[len(c.Transcript)-1].Status == "blocked" })
	if got := len(sim.Sent()); got != before {
		t.Errorf("the carrier was called %d more times for an opted-out number", got-before)
	}
}

// TestStatusCallbacksOnlyMoveForward: callbacks arriving late, twice or out of order never
// take a message back, and forged callbacks are refused.
func TestStatusCallbacksOnlyMoveForward(t *testing.T) {
	f := newFixture(t)
	_, id := openChat(t, f)
	ana := f.Tokens["ana"]
	api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "tracking this one"}, nil)
	c := waitEntry(t, ana, id, func(c chatJSON) bool { return c.Transcript[len(c.Transcript)-1].Status == "delivered" })
	seq := c.Transcript[len(c.Transcript)-1].Seq
	var sid string
	for _, m := range sim.Sent() {
		if m.Body == "tracking this one" {
			sid = m.SID
		}
	}
	callback := runner.BaseURL + "/status?m=" + url.QueryEscape("sessions/"+id+"/transcript/"+pad(seq))
	for _, st := range []string{"sent", "queued", "sending", "delivered"} {
		form := url.Values{"MessageSid": {sid}, "MessageStatus": {st}, "AccountSid": {accountSID}}
		if code := postSigned(t, callback, form, carriersim.Signature(authToken, callback, form)); code != http.StatusNoContent {
			t.Errorf("late %s callback = %d", st, code)
		}
	}
	form := url.Values{"MessageSid": {sid}, "MessageStatus": {"failed"}, "ErrorCode": {"30008"}}
	if code := postSigned(t, callback, form, carriersim.Signature("wrong", callback, form)); code != http.StatusForbidden {
		t.Errorf("forged callback = %d, want 403", code)
	}
	c = waitEntry(t, ana, id, func(chatJSON) bool { return true })
	if e := c.Transcript[seq-1]; e.Status != "delivered" {
		t.Errorf("after late callbacks the message is %q, want delivered", e.Status)
	}
	other := runner.BaseURL + "/status?m=" + url.QueryEscape("agents/t1-ana")
	form = url.Values{"MessageSid": {sid}, "MessageStatus": {"failed"}, "AccountSid": {accountSID}}
	if code := postSigned(t, other, form, carriersim.Signature(authToken, other, form)); code != http.StatusNotFound {
		t.Errorf("callback naming a non-message document = %d, want 404", code)
	}
}

// TestShortCodeStopIsConfirmedOnceByUs: where the carrier does not handle keywords (short
// codes, or a number set so), smsdesk sends the one opt-out confirmation itself and nothing
// after it.
func TestShortCodeStopIsConfirmedOnceByUs(t *testing.T) {
	f := newFixture(t)
	setNumberOptions(t, f.Number, map[string]any{"carrierConfirmsOptOut": false})
	ctx := testCtx(t)
	phone := consumerPhone()
	text(t, phone, f.Number, "hi")
	expectSMS(t, ctx, phone, 2, "ENGLISH")
	webhook := runner.BaseURL + "/inbound"
	for i, body := range []string{"STOP", "stop", "anyone?"} {
		form := carrierForm(phone, f.Number, body) // no OptOutType: the carrier left the keyword to us
		if code := postSigned(t, webhook, form, carriersim.Signature(authToken, webhook, form)); code != http.StatusOK {
			t.Fatalf("webhook = %d", code)
		}
		if out := waitApplied(t, ctx, f.Number, phone, form.Get("MessageSid")); len(out) != []int{1, 0, 0}[i] {
			t.Errorf("%q queued %d messages", body, len(out))
		}
	}
	expectSMS(t, ctx, phone, 3, "You are unsubscribed")
	waitIdle(t)
	if got := bodies(sentTo(phone)); len(got) != 3 {
		t.Errorf("consumer got %q, want consent, menu and one opt-out confirmation", got)
	}
}

func pad(n int) string { return fmt.Sprintf("%06d", n) }

func postSigned(t *testing.T, u string, form url.Values, sig string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitEntry polls one chat through the agent API until cond holds.
func waitEntry(t *testing.T, token, id string, cond func(chatJSON) bool) chatJSON {
	t.Helper()
	ctx := testCtx(t)
	for {
		var c chatJSON
		if code := api(t, token, "GET", "/chats/"+id, nil, &c); code != http.StatusOK {
			t.Fatalf("GET chat = %d", code)
		}
		if cond(c) {
			return c
		}
		select {
		case <-ctx.Done():
			t.Fatalf("chat never reached the expected state: %+v", c.Transcript)
		case <-time.After(30 * time.Millisecond):
		}
	}
}

// TestCarrierOutagesAreRetried: the carrier answers 429 and then 500; the message is sent
// once it recovers, exactly once.
func TestCarrierOutagesAreRetried(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone, id := openChat(t, f)
	ana := f.Tokens["ana"]
	sim.FailNext(1, 429, 20429)
	sim.FailNext(1, 500, 20500)
	api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "after the outage"}, nil)
	expectSMS(t, ctx, phone, 6, "after the outage")
	waitEntry(t, ana, id, func(c chatJSON) bool { return c.Transcript[len(c.Transcript)-1].Status == "delivered" })
	n := 0
	for _, m := range sentTo(phone) {
		if m.Body == "after the outage" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("sent %d times", n)
	}
}

// sentWithin waits up to d for the nth message to phone and checks its body; the default
// test deadline would hide a message that waits out a two-minute claim.
func sentWithin(t *testing.T, d time.Duration, phone string, nth int, want string) carriersim.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return expectSMS(t, ctx, phone, nth, want)
}

// sentCount is how many times the carrier took body for phone.
func sentCount(phone, body string) int {
	n := 0
	for _, m := range sentTo(phone) {
		if m.Body == body {
			n++
		}
	}
	return n
}

// TestCarrierErrorPageIsRetriedAtOnce: a 503 with an HTML body (a load balancer's error page)
// is an answer: nothing was sent, and the reply goes out within seconds once the carrier is
// back, once, with the chat's next reply after it.
func TestCarrierErrorPageIsRetriedAtOnce(t *testing.T) {
	f := newFixture(t)
	phone, id := openChat(t, f)
	ana := f.Tokens["ana"]
	sim.FailNext(2, http.StatusServiceUnavailable, 0)
	api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "behind the error page"}, nil)
	api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "and the next one"}, nil)
	sentWithin(t, 15*time.Second, phone, 6, "behind the error page")
	sentWithin(t, 15*time.Second, phone, 7, "and the next one")
	if n := sentCount(phone, "behind the error page"); n != 1 {
		t.Errorf("sent %d times", n)
	}
}

// TestUnansweredSendTheCarrierTookIsNotResent: the carrier takes the message but the answer
// never comes (the client times out). The sender asks the carrier, finds the message still
// queued there and records its SID: the consumer gets it once, and the chat goes on.
func TestUnansweredSendTheCarrierTookIsNotResent(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone, id := openChat(t, f)
	ana := f.Tokens["ana"]
	sim.StallNext(1, true)
	start := time.Now()
	api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "taken in silence"}, nil)
	m := sentWithin(t, 15*time.Second, phone, 6, "taken in silence")
	waitFor(t, 25*time.Second, "the message's SID recorded", func() bool {
		tr, err := runner.Store.Transcript(ctx, id)
		return err == nil && tr[len(tr)-1].MessageSID == m.SID
	})
	t.Logf("settled %v after the reply", time.Since(start).Round(100*time.Millisecond))
	api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "still here"}, nil)
	sentWithin(t, 15*time.Second, phone, 7, "still here")
	if n := sentCount(phone, "taken in silence"); n != 1 {
		t.Errorf("the carrier got the message %d times", n)
	}
}

// TestUnansweredSendTheCarrierDidNotTakeIsResent: the call times out and the carrier has
// nothing: the sender asks, finds nothing, and sends again within seconds, once.
func TestUnansweredSendTheCarrierDidNotTakeIsResent(t *testing.T) {
	f := newFixture(t)
	phone, id := openChat(t, f)
	ana := f.Tokens["ana"]
	sim.StallNext(1, false)
	api(t, ana, "POST", "/chats/"+id+"/messages", map[string]string{"body": "lost on the way"}, nil)
	sentWithin(t, 25*time.Second, phone, 6, "lost on the way")
	waitEntry(t, ana, id, func(c chatJSON) bool { return c.Transcript[len(c.Transcript)-1].Status == "delivered" })
	if n := sentCount(phone, "lost on the way"); n != 1 {
		t.Errorf("sent %d times", n)
	}
}

// waitFor polls cond until it holds, failing after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
