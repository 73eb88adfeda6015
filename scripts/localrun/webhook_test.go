package localrun_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/wire"
)

func postWebhook(t *testing.T, form url.Values, signature string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", runner.BaseURL+"/inbound", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signature != "" {
		req.Header.Set("X-Twilio-Signature", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestForgedOrMalformedWebhooksAreRefused(t *testing.T) {
	f := newFixture(t)
	phone := consumerPhone()
	form := url.Values{"MessageSid": {"SMforged0000000000000000000000000"}, "AccountSid": {accountSID}, "From": {phone}, "To": {f.Number}, "Body": {"hi"}}
	webhook := runner.BaseURL + "/inbound"

	if code := postWebhook(t, form, ""); code != http.StatusForbidden {
		t.Errorf("unsigned webhook = %d, want 403", code)
	}
	if code := postWebhook(t, form, carriersim.Signature("not-the-token", webhook, form)); code != http.StatusForbidden {
		t.Errorf("webhook signed with another token = %d, want 403", code)
	}
	tampered := url.Values{}
	for k, v := range form {
		tampered[k] = v
	}
	sig := carriersim.Signature(authToken, webhook, form)
	tampered.Set("Body", "STOP")
	if code := postWebhook(t, tampered, sig); code != http.StatusForbidden {
		t.Errorf("webhook with a changed body = %d, want 403", code)
	}
	missing := url.Values{"AccountSid": {accountSID}, "From": {phone}, "To": {f.Number}, "Body": {"hi"}}
	if code := postWebhook(t, missing, carriersim.Signature(authToken, webhook, missing)); code != http.StatusBadRequest {
		t.Errorf("signed webhook without MessageSid = %d, want 400", code)
	}
	badMedia := url.Values{"MessageSid": {"SMbadmedia000000000000000000000000"}, "From": {phone}, "To": {f.Number}, "NumMedia": {"2"}, "MediaUrl0": {"http://x/0"}}
	if code := postWebhook(t, badMedia, carriersim.Signature(authToken, webhook, badMedia)); code != http.StatusBadRequest {
		t.Errorf("signed webhook announcing 2 media with 1 URL = %d, want 400", code)
	}
	// None of them may have reached the conversation: a genuine text still gets consent first.
	ctx := testCtx(t)
	text(t, phone, f.Number, "hello")
	expectSMS(t, ctx, phone, 1, "Msg & data rates may apply")
	expectSMS(t, ctx, phone, 2, "ENGLISH")
}

func TestRetriedWebhookIsProcessedOnce(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	sid := text(t, phone, f.Number, "hello")
	// The carrier retries the same MessageSid, several times and at once.
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := sim.SendInbound(context.Background(), carriersim.Inbound{From: phone, To: f.Number, Body: "hello", MessageSID: sid})
			if err != nil || res.StatusCode != http.StatusOK {
				t.Errorf("retry: %d %v", res.StatusCode, err)
			}
		}()
	}
	wg.Wait()
	text(t, phone, f.Number, "2")
	expectSMS(t, ctx, phone, 3, "1 para General")
	waitIdle(t)
	if got := bodies(sentTo(phone)); len(got) != 3 {
		t.Errorf("consumer got %d messages, want consent, menu, submenu: %q", len(got), got)
	}
	assertTranscript(t, ctx, f, phone, "consumer:hello", "system:consent", "system:menu", "consumer:2", "system:menu")
}

func TestPubSubRedeliveryAppliesOnce(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	sid := text(t, phone, f.Number, "hello")
	expectSMS(t, ctx, phone, 2, "ENGLISH")
	// At-least-once delivery: the same message published again reaches the conversation again.
	pub := publisher(t)
	msg := wire.InboundText{MessageSID: sid, From: phone, To: f.Number, Body: "hello"}
	for i := 0; i < 3; i++ {
		if err := pub.Publish(ctx, "sms-inbound", session.ConsumerID(f.Number, phone), msg); err != nil {
			t.Fatal(err)
		}
	}
	text(t, phone, f.Number, "1")
	expectSMS(t, ctx, phone, 3, "BILLING")
	waitIdle(t)
	if got := bodies(sentTo(phone)); len(got) != 3 {
		t.Errorf("consumer got %d messages, want 3: %q", len(got), got)
	}
	assertTranscript(t, ctx, f, phone, "consumer:hello", "system:consent", "system:menu", "consumer:1", "system:menu")
}
