package faults_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/wire"
)

// carrierDeadline is how long the carrier waits for a webhook's whole exchange.
const carrierDeadline = 15 * time.Second

// textWithin sends a consumer's text as the carrier does, giving up at its deadline.
func textWithin(t *testing.T, in carriersim.Inbound) (carriersim.InboundResult, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), carrierDeadline)
	defer cancel()
	start := time.Now()
	res, err := sim.SendInbound(ctx, in)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("the carrier got no answer for %q within its deadline (%v): %v", in.Body, took.Round(time.Millisecond), err)
	}
	return res, took
}

// TestTextDuringFirestoreStallIsKept: Firestore stops answering (longer than any wait of the
// webhook) while a consumer texts, and the carrier retries the same text. The webhook answers
// 200 within the carrier's deadline both times; once Firestore is back, the consumer gets the
// consent and the menu once and the chat holds the text once.
func TestTextDuringFirestoreStallIsKept(t *testing.T) {
	const stall = 10 * time.Second
	phone := consumerPhone()
	firestore.Pause()
	resumed := time.AfterFunc(stall, firestore.Resume)
	defer func() {
		if resumed.Stop() {
			firestore.Resume()
		}
	}()

	res, took := textWithin(t, carriersim.Inbound{From: phone, To: business, Body: "hello"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("webhook during the stall = %d (%s) after %v; fallback %d", res.StatusCode, res.ResponseBody, took, res.FallbackStatusCode)
	}
	// The carrier retries the same message (its own retry, or the consumer's phone resending).
	again, _ := textWithin(t, carriersim.Inbound{From: phone, To: business, Body: "hello", MessageSID: res.MessageSID})
	if again.StatusCode != http.StatusOK {
		t.Fatalf("retried webhook during the stall = %d (%s)", again.StatusCode, again.ResponseBody)
	}
	t.Logf("webhook answered in %v during a %v Firestore stall", took.Round(time.Millisecond), stall)

	ctx := testCtx(t, stall+60*time.Second)
	expectHelloAppliedOnce(t, ctx, phone)
}

// TestTextDuringPubSubStallIsParked: Pub/Sub stops answering while a consumer texts. The
// webhook cannot publish within its bound and answers 503 in time for the carrier to call the
// fallback URL, which parks the text in Firestore and answers 200; once Pub/Sub is back, the
// sweeper publishes it and the consumer gets the consent and the menu once.
func TestTextDuringPubSubStallIsParked(t *testing.T) {
	phone := consumerPhone()
	pubsub.Pause()
	defer pubsub.Resume()
	ctx, cancel := context.WithTimeout(context.Background(), 2*carrierDeadline) // one deadline per exchange
	defer cancel()
	start := time.Now()
	res, err := sim.SendInbound(ctx, carriersim.Inbound{From: phone, To: business, Body: "hello"})
	took := time.Since(start)
	if err != nil || res.StatusCode != http.StatusServiceUnavailable || res.FallbackStatusCode != http.StatusOK {
		t.Fatalf("during the Pub/Sub stall: webhook %d, fallback %d (%s) after %v, %v; want 503 then 200",
			res.StatusCode, res.FallbackStatusCode, res.ResponseBody, took, err)
	}
	if took > 2*carrierDeadline-5*time.Second {
		t.Errorf("webhook and fallback took %v together", took)
	}
	parked, err := runner.Store.ParkedInbound(ctx, 100)
	if err != nil || !parkedHas(parked, res.MessageSID) {
		t.Fatalf("the fallback's text is not parked: %v (%d parked)", err, len(parked))
	}
	pubsub.Resume()

	ctx = testCtx(t, 60*time.Second)
	if err := runner.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if parked, err := runner.Store.ParkedInbound(ctx, 100); err != nil || parkedHas(parked, res.MessageSID) {
		t.Errorf("the sweeper left the text parked: %v", err)
	}
	expectHelloAppliedOnce(t, ctx, phone)
}

// expectHelloAppliedOnce checks that a first text "hello" kept through a stall was applied
// once: the consumer gets the consent and the menu, and a next text goes through after it on
// the consumer's ordered key (by its answer, any second copy of the first would have been
// applied too), with nothing sent twice and the transcript in order.
func expectHelloAppliedOnce(t *testing.T, ctx context.Context, phone string) {
	t.Helper()
	expectSMS(t, ctx, phone, 1, "Msg & data rates may apply")
	expectSMS(t, ctx, phone, 2, "Welcome to Acme Retail")
	if res, _ := textWithin(t, carriersim.Inbound{From: phone, To: business, Body: "1"}); res.StatusCode != http.StatusOK {
		t.Fatalf("next text = %d", res.StatusCode)
	}
	expectSMS(t, ctx, phone, 3, "How can we help?")
	if got := sentTo(phone); len(got) != 3 {
		t.Errorf("consumer got %d messages, want consent, menu, submenu: %q", len(got), got)
	}
	want := "consumer:hello | system:consent | system:menu | consumer:1 | system:menu"
	if got := strings.Join(transcript(t, ctx, phone), " | "); got != want {
		t.Errorf("transcript:\n got  %s\n want %s", got, want)
	}
}

func parkedHas(texts []wire.InboundText, sid string) bool {
	for _, t := range texts {
		if t.MessageSID == sid {
			return true
		}
	}
	return false
}
