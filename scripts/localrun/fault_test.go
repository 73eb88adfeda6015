package localrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/followup"
)

// crashPrefix starts the MessageSid of texts whose follow-ups a crash leaves undone right
// after the conversation's commit.
const crashPrefix = "SMc0ffee0" // hex, as every MessageSid is

// crashPhonePrefix marks the consumer phones whose messages' follow-ups (the announcement of a
// one-way text the carrier accepted) are interrupted after the status is written.
const crashPhonePrefix = "+1555999"

func interruptFollowups(r followup.Record) bool {
	return strings.HasPrefix(r.ID, "in-"+crashPrefix) ||
		(strings.HasPrefix(r.ID, "msg-consumers|") && strings.Contains(r.ID, "_"+crashPhonePrefix))
}

// stalled holds the chats whose outbound publishes stall, as with Pub/Sub unreachable.
var stalled sync.Map

func stallSends(ctx context.Context, path string) error {
	for key := range strings.SplitSeq(path, "/") {
		if _, ok := stalled.Load(key); ok {
			<-ctx.Done() // the publish never completes: the caller gives up at its deadline
			return ctx.Err()
		}
	}
	return nil
}

// sweepUntil runs the sweeper, as Cloud Scheduler does every few minutes, until cond holds.
func sweepUntil(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if err := runner.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never happened", what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func pending(t *testing.T, ctx context.Context, id string) bool {
	t.Helper()
	recs, err := runner.Store.PendingFollowups(ctx, time.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(recs, func(r followup.Record) bool { return r.ID == id })
}

func TestACrashBetweenCommitAndPublishLosesNoText(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	sid := crashPrefix + strings.Repeat("2", 17) + fmt.Sprintf("%08d", fixtureSeq.Add(1))
	res, err := sim.SendInbound(ctx, carriersim.Inbound{From: phone, To: f.Number, Body: "Hi, my order is late", MessageSID: sid})
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("text: %d %v", res.StatusCode, err)
	}
	waitApplied(t, ctx, f.Number, phone, sid)
	// The text is committed and its replies stored, but the process "crashed" before sending
	// them: they wait in the outbox.
	if !pending(t, ctx, "in-"+sid) {
		t.Fatalf("the text's follow-ups are not in the outbox; sent: %q", bodies(sentTo(phone)))
	}
	sweepUntil(t, ctx, "the relay sending the consent and menu", func() bool { return len(sentTo(phone)) >= 2 })
	if pending(t, ctx, "in-"+sid) {
		t.Error("the relay carried the follow-ups out but left them in the outbox")
	}
	// Sweeping again sends nothing twice: the consumer's next answer is the next message.
	if err := runner.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	text(t, phone, f.Number, "1")
	expectSMS(t, ctx, phone, 3, "Reply 1")
	got := bodies(sentTo(phone))
	if len(got) != 3 || !strings.Contains(got[0], "Reply STOP") || !strings.Contains(got[1], "Reply 1") {
		t.Errorf("consumer's phone got %q; want the consent, the menu and the next menu once each", got)
	}
}

func TestAReplyRetriedAfterAPublishStallIsDeliveredOnce(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	id := connectChat(t, ctx, f, phone)
	const before = 5 // consent, menus, wait message and the assigned notice, before the stall
	expectSMS(t, ctx, phone, before, "now chatting with Ana")

	stalled.Store(id, true)
	first, code, _ := reply(t, f.Tokens["ana"], id, "key-1", "Your refund is on its way")
	if code != http.StatusCreated {
		t.Fatalf("reply during a Pub/Sub stall = %d %v; it was committed, so it is 201", code, first)
	}
	// The agent's client timed out anyway and retries with the same key, after Pub/Sub is back.
	stalled.Delete(id)
	again, code, replayed := reply(t, f.Tokens["ana"], id, "key-1", "Your refund is on its way")
	if code != http.StatusCreated || !replayed || again["seq"] != first["seq"] {
		t.Fatalf("retry = %d (replayed %v) %v; want the first answer %v again", code, replayed, again, first)
	}
	expectSMS(t, ctx, phone, before+1, "Your refund is on its way")
	if err := runner.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	reply(t, f.Tokens["ana"], id, "key-2", "Anything else?")
	expectSMS(t, ctx, phone, before+2, "Anything else?")
	if got := bodies(sentTo(phone)); len(got) != before+2 {
		t.Errorf("consumer's phone got %q; want the reply once", got)
	}
	// The same key with another text is refused and sends nothing.
	if _, code, _ := reply(t, f.Tokens["ana"], id, "key-1", "Something else"); code != http.StatusUnprocessableEntity {
		t.Errorf("key reused with another text = %d, want 422", code)
	}
}

func TestAReplyWhosePublishFailsIsSentByTheRelay(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	id := connectChat(t, ctx, f, phone)
	const before = 5
	expectSMS(t, ctx, phone, before, "now chatting with Ana")
	stalled.Store(id, true)
	if _, code, _ := reply(t, f.Tokens["ana"], id, "", "One moment please"); code != http.StatusCreated {
		t.Fatalf("reply = %d", code)
	}
	stalled.Delete(id)
	sweepUntil(t, ctx, "the relay sending the reply", func() bool { return len(sentTo(phone)) > before })
	reply(t, f.Tokens["ana"], id, "", "Done")
	expectSMS(t, ctx, phone, before+2, "Done")
	if got := bodies(sentTo(phone)); len(got) != before+2 || !strings.Contains(got[before], "One moment please") {
		t.Errorf("consumer's phone got %q; want the reply once, then the next", got)
	}
}

// reply posts an agent's text with an optional Idempotency-Key.
func reply(t *testing.T, token, chat, key, body string) (map[string]any, int, bool) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"body": body})
	req, _ := http.NewRequest("POST", runner.BaseURL+"/agent/chats/"+chat+"/messages", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out, resp.StatusCode, resp.Header.Get("Idempotent-Replayed") == "true"
}

func TestACrashBeforeAQueuedChatIsOfferedLeavesNoChatWaiting(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	api(t, f.Tokens["ana"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	text(t, phone, f.Number, "hi")
	text(t, phone, f.Number, "1")
	expectSMS(t, ctx, phone, 3, "Reply 1 or BILLING")
	// The text that queues the chat commits, then the process dies: no wait message, no
	// assignment, although Ana is free.
	sid := crashPrefix + strings.Repeat("3", 17) + fmt.Sprintf("%08d", fixtureSeq.Add(1))
	if res, err := sim.SendInbound(ctx, carriersim.Inbound{From: phone, To: f.Number, Body: "tech", MessageSID: sid}); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("text: %v", err)
	}
	waitApplied(t, ctx, f.Number, phone, sid)
	sweepUntil(t, ctx, "the relay sending the wait message and assigning the chat", func() bool { return len(sentTo(phone)) >= 5 })
	expectSMS(t, ctx, phone, 4, "in line for Tech")
	expectSMS(t, ctx, phone, 5, "now chatting with Ana")
	chats := waitChats(t, ctx, f.Tokens["ana"], func(cs []chatJSON) bool { return len(cs) == 1 })
	reply(t, f.Tokens["ana"], chats[0].ID, "", "Hello from Ana")
	expectSMS(t, ctx, phone, 6, "Hello from Ana")
	if got := bodies(sentTo(phone)); len(got) != 6 {
		t.Errorf("consumer's phone got %q; want each message once", got)
	}
}

// TestACrashAfterAOneWayTextIsAcceptedStillRecordsItInTheCRM: the carrier takes a one-way text
// and the process "crashes" before announcing it; the announcement was recorded with the
// status, so the relay carries it out and the CRM gets the text once.
func TestACrashAfterAOneWayTextIsAcceptedStillRecordsItInTheCRM(t *testing.T) {
	rcv, srv := newCRMReceiver(0)
	defer srv.Close()
	f := newFixture(t, withCRM(config.CRMWebhook, srv.URL+"/hook"))
	ctx := testCtx(t)
	phone := fmt.Sprintf("%s%04d", crashPhonePrefix, fixtureSeq.Add(1)%10000)
	code, r, _ := outCall(t, f.Tokens["ana"], "/messages", "", map[string]any{"from": f.Number, "to": phone,
		"body": "Your order shipped.", "consent": consent(), "timeZone": zoneAt(12)})
	if code != http.StatusAccepted {
		t.Fatalf("notification = %d %+v", code, r.Error)
	}
	expectSMS(t, ctx, phone, 1, "Your order shipped.")
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rcv.eventsOfPhone(phone); len(got) != 0 {
		t.Fatalf("the CRM got %+v before the relay ran; the announcement was not interrupted", got)
	}
	sweepUntil(t, ctx, "the relay announcing the one-way text", func() bool { return len(rcv.eventsOfPhone(phone)) > 0 })
	if err := runner.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rcv.eventsOfPhone(phone); len(got) != 1 || got[0].Type != crm.EventOutboundSent || got[0].Text != "Your order shipped." {
		t.Fatalf("CRM events for %s = %+v; want the one-way text once", phone, got)
	}
}
