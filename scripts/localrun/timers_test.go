package localrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/timers"
)

// timerFixture is a number with the given timeouts whose entry menu offers queue "q" (with an
// overflow to the hidden queue "ov", served by an agent with token returned).
func timerFixture(t *testing.T, to config.Timeouts) (number, prefix, overflowAgent string) {
	t.Helper()
	n := fixtureSeq.Add(1)
	p := fmt.Sprintf("x%d", n)
	number = fmt.Sprintf("+1800999%04d", n)
	c := config.Catalog{
		Numbers: []config.Number{{Number: number, LineOfBusiness: p, EntryQueue: p + "-menu", DefaultLanguage: "en", Brand: "Tick", Timeouts: &to, MPS: 100}},
		Queues: []config.Queue{
			{ID: p + "-menu", Name: "Menu", LineOfBusiness: p},
			{ID: p + "-q", Name: "Main", Parent: p + "-menu", Order: 1, LineOfBusiness: p, Overflow: p + "-ov"},
			{ID: p + "-ov", Name: "Overflow desk", Parent: p + "-menu", Order: 2, Hidden: true, LineOfBusiness: p},
		},
		Agents: []config.Agent{
			{ID: p + "-olga", Name: "Olga", Queues: []string{p + "-ov"}, Languages: []string{"en"}, Token: "token-" + p + "-olga"},
			{ID: p + "-quinn", Name: "Quinn", Queues: []string{p + "-q"}, Languages: []string{"en"}, Token: "token-" + p + "-quinn"},
			{ID: p + "-sam", Name: "Sam", Queues: []string{p + "-q"}, Languages: []string{"en"}, Role: "supervisor", Token: "token-" + p + "-sam"},
		},
	}
	loadCatalog(t, c)
	return number, p, "token-" + p + "-olga"
}

func chatOf(t *testing.T, ctx context.Context, business, phone, sid string) session.Session {
	t.Helper()
	id, _, _, err := runner.Store.Receipt(ctx, business, phone, sid)
	if err != nil {
		t.Fatal(err)
	}
	s, err := runner.Store.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestInactivityWarnsThenEnds(t *testing.T) {
	number, _, _ := timerFixture(t, config.Timeouts{InactivityWarn: "1s", InactivityEnd: "1s"})
	ctx := testCtx(t)
	phone := consumerPhone()
	sid := text(t, phone, number, "hi")
	expectSMS(t, ctx, phone, 3, "Are you still there?")
	expectSMS(t, ctx, phone, 4, "We haven't heard from you, so this chat is now closed")
	if s := chatOf(t, ctx, number, phone, sid); s.State != session.Ended || s.EndReason != session.EndInactive {
		t.Errorf("chat = %s (%s)", s.State, s.EndReason)
	}
}

func TestActivityResetsTheInactivityTimer(t *testing.T) {
	number, _, _ := timerFixture(t, config.Timeouts{InactivityWarn: "2s", InactivityEnd: "1h"})
	ctx := testCtx(t)
	phone := consumerPhone()
	sid := text(t, phone, number, "hi")
	expectSMS(t, ctx, phone, 2, "Reply 1")
	time.Sleep(time.Second)
	text(t, phone, number, "what?") // a wrong answer: menu again, and the consumer is active
	expectSMS(t, ctx, phone, 5, "Are you still there?")
	entries, err := runner.Store.Transcript(ctx, chatOf(t, ctx, number, phone, sid).ID)
	if err != nil {
		t.Fatal(err)
	}
	var lastText, warned time.Time
	warnings := 0
	for _, e := range entries {
		if e.Body == "what?" {
			lastText = e.At
		}
		if e.Kind == "inactive" {
			warned, warnings = e.At, warnings+1
		}
	}
	if warnings != 1 || warned.Sub(lastText) < 2*time.Second {
		t.Errorf("%d warnings, the last %v after the consumer's last text; want one, 2s after it", warnings, warned.Sub(lastText))
	}
}

func TestQueueWaitOverflowsToAnotherQueue(t *testing.T) {
	number, _, olga := timerFixture(t, config.Timeouts{QueueWait: "1s"})
	ctx := testCtx(t)
	phone := consumerPhone()
	api(t, olga, "PUT", "/status", map[string]string{"status": "available"}, nil)
	text(t, phone, number, "hi")
	text(t, phone, number, "1")
	expectSMS(t, ctx, phone, 3, "in line for Main")
	expectSMS(t, ctx, phone, 4, "transferring you to Overflow desk")
	expectSMS(t, ctx, phone, 5, "You're now chatting with Olga")
}

func TestExpirationEndsTheChat(t *testing.T) {
	number, _, _ := timerFixture(t, config.Timeouts{Expiration: "2s"})
	ctx := testCtx(t)
	phone := consumerPhone()
	sid := text(t, phone, number, "hi")
	text(t, phone, number, "1")
	expectSMS(t, ctx, phone, 4, "reached its time limit")
	if s := chatOf(t, ctx, number, phone, sid); s.State != session.Ended || s.EndReason != session.EndExpired {
		t.Errorf("chat = %s (%s)", s.State, s.EndReason)
	}
}

func TestSweeperFiresLostTimers(t *testing.T) {
	number, _, _ := timerFixture(t, config.Timeouts{InactivityWarn: "500ms", InactivityEnd: "1h"})
	ctx := testCtx(t)
	phone := consumerPhone()
	sid := dropPrefix + strings.Repeat("0", 16) + fmt.Sprintf("%08d", fixtureSeq.Add(1))
	if res, err := sim.SendInbound(ctx, carriersim.Inbound{From: phone, To: number, Body: "hi", MessageSID: sid}); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("text: %v %d", err, res.StatusCode)
	}
	expectSMS(t, ctx, phone, 2, "Reply 1")
	// The warning's timer was lost: once its deadline and the sweeper's grace have passed
	// and nothing is at work, nothing has warned the consumer.
	var due time.Time
	for _, d := range chatOf(t, ctx, number, phone, sid).Deadlines {
		if due.IsZero() || d.Before(due) {
			due = d
		}
	}
	if due.IsZero() {
		t.Fatal("the chat has no deadline")
	}
	time.Sleep(time.Until(due.Add(sweepGrace)))
	waitIdle(t)
	if got := len(sentTo(phone)); got != 2 {
		t.Fatalf("a lost timer acted: %q", bodies(sentTo(phone)))
	}
	if err := runner.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	expectSMS(t, ctx, phone, 3, "Are you still there?")
}

// TestTimerDeliveredTwiceActsOnce: Cloud Tasks may deliver a task twice, at once; the chat
// ends once. Unsigned deliveries are refused.
func TestTimerDeliveredTwiceActsOnce(t *testing.T) {
	number, _, _ := timerFixture(t, config.Timeouts{})
	ctx := testCtx(t)
	phone := consumerPhone()
	sid := text(t, phone, number, "hi")
	expectSMS(t, ctx, phone, 2, "Reply 1")
	s := chatOf(t, ctx, number, phone, sid)
	body, _ := json.Marshal(timers.Timer{SessionID: s.ID, Kind: session.TimerExpire, Generation: s.Generation, Due: s.Deadlines[session.TimerExpire]})
	post := func(sig string) int {
		req, _ := http.NewRequest("POST", runner.BaseURL+"/expiry", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CloudTasks-TaskName", "t1")
		if sig != "" {
			req.Header.Set(timers.SignatureHeader, sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(""); code != http.StatusForbidden {
		t.Errorf("unsigned timer = %d, want 403", code)
	}
	if code := post(timers.Sign([]byte("wrong"), body)); code != http.StatusForbidden {
		t.Errorf("timer signed with another secret = %d, want 403", code)
	}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code := post(timers.Sign([]byte("local-timer-secret"), body)); code != http.StatusNoContent {
				t.Errorf("timer delivery = %d", code)
			}
		}()
	}
	wg.Wait()
	expectSMS(t, ctx, phone, 3, "reached its time limit")
	entries, _ := runner.Store.Transcript(ctx, s.ID)
	n := 0
	for _, e := range entries {
		if e.Kind == "expired" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("chat ended %d times", n)
	}
}

// TestAgentAndSupervisorAreRemindedOfAWaitingConsumer: the consumer's text goes unanswered;
// the agent and the queue's supervisor get a reply_due notice; the agent's reply clears it.
func TestAgentAndSupervisorAreRemindedOfAWaitingConsumer(t *testing.T) {
	number, p, _ := timerFixture(t, config.Timeouts{ReplyDue: "1s"})
	ctx := testCtx(t)
	quinn, sam := "token-"+p+"-quinn", "token-"+p+"-sam"
	api(t, quinn, "PUT", "/status", map[string]string{"status": "available"}, nil)
	phone := consumerPhone()
	text(t, phone, number, "hi")
	text(t, phone, number, "1")
	id := waitChats(t, ctx, quinn, func(cs []chatJSON) bool { return len(cs) == 1 })[0].ID
	for _, tok := range []string{quinn, sam} {
		for {
			var evs struct {
				Events []struct{ Type, ChatID string }
			}
			api(t, tok, "GET", "/events", nil, &evs)
			if n := len(evs.Events); n > 0 && evs.Events[n-1].Type == "reply_due" && evs.Events[n-1].ChatID == id {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s never told of the waiting consumer: %+v", tok, evs.Events)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	if s, _ := runner.Store.Session(ctx, id); s.Deadlines[session.TimerReplyDue] != (time.Time{}) {
		t.Errorf("reminded twice? deadlines %v", s.Deadlines)
	}
	api(t, quinn, "POST", "/chats/"+id+"/messages", map[string]string{"body": "Sorry for the wait!"}, nil)
	s, _ := runner.Store.Session(ctx, id)
	if _, ok := s.Deadlines[session.TimerInactivityWarn]; !ok {
		t.Errorf("after the agent's reply the consumer is waited on: deadlines %v", s.Deadlines)
	}
}
