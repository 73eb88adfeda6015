package localrun_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	"github.com/smsdesk/smsdesk/internal/localpubsub"
	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// carrierForm is an inbound webhook form as the carrier builds it, with a fresh MessageSid.
func carrierForm(from, to, body string) url.Values {
	var b [16]byte
	_, _ = rand.Read(b[:])
	sid := "SM" + hex.EncodeToString(b[:])
	return url.Values{
		"MessageSid": {sid}, "SmsMessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {accountSID},
		"From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"},
		"SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
}

// TestMalformedIdentifiersAreRefused: signed webhooks whose ids the carrier never sends are
// answered 400 and reach nothing; the consumer's genuine texts are untouched.
func TestMalformedIdentifiersAreRefused(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	webhook := runner.BaseURL + "/inbound"
	cases := map[string]func(url.Values){
		"From is a path":              func(v url.Values) { v.Set("From", "../../agents/ana") },
		"From has a slash":            func(v url.Values) { v.Set("From", "+1555/123") },
		"From is a word":              func(v url.Values) { v.Set("From", "not-a-number") },
		"From is a short code":        func(v url.Values) { v.Set("From", "55555") },
		"MessageSid is a path":        func(v url.Values) { v.Set("MessageSid", "SM/../../x"); v.Del("SmsSid"); v.Del("SmsMessageSid") },
		"another account":             func(v url.Values) { v.Set("AccountSid", "AC"+strings.Repeat("f", 32)) },
		"To is not ours":              func(v url.Values) { v.Set("To", "+14155550199") },
		"To is a short code not ours": func(v url.Values) { v.Set("To", "99999") },
		"NumMedia missing":            func(v url.Values) { v.Del("NumMedia") },
	}
	for name, change := range cases {
		form := carrierForm(phone, f.Number, "hello")
		change(form)
		if code := postWebhook(t, form, carriersim.Signature(authToken, webhook, form)); code != http.StatusBadRequest {
			t.Errorf("%s: webhook = %d, want 400", name, code)
		}
	}
	// None reached the conversation: the consumer's first genuine text gets consent first.
	text(t, phone, f.Number, "hello")
	expectSMS(t, ctx, phone, 1, "Msg & data rates may apply")
	expectSMS(t, ctx, phone, 2, "ENGLISH")
	assertTranscript(t, ctx, f, phone, "consumer:hello", "system:consent", "system:menu")
}

// capture records the webhooks a carrier sends, and passes them on.
type capture struct {
	mu   sync.Mutex
	reqs []captured
}

type captured struct {
	form      url.Values
	signature string
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	form, _ := url.ParseQuery(string(body))
	c.mu.Lock()
	c.reqs = append(c.reqs, captured{form: form, signature: r.Header.Get("X-Twilio-Signature")})
	c.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(r)
}

// TestResplitWebhookIsRefused: the carrier signs the concatenation of names and values, so a
// genuine webhook with NumMedia moved into the MessageSid's value still verifies. It is
// refused with 400 and the text is applied once.
func TestResplitWebhookIsRefused(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	webhook := runner.BaseURL + "/inbound"
	rec := &capture{}
	carrier := carriersim.New(carriersim.Options{AccountSID: accountSID, AuthToken: authToken, WebhookURL: webhook,
		HTTPClient: &http.Client{Transport: rec, Timeout: 10 * time.Second}})
	res, err := carrier.SendInbound(ctx, carriersim.Inbound{From: phone, To: f.Number, Body: "hello"})
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("genuine webhook: %d %v", res.StatusCode, err)
	}
	expectSMS(t, ctx, phone, 2, "ENGLISH")

	genuine := rec.reqs[0]
	resplit := url.Values{}
	for k, v := range genuine.form {
		resplit[k] = v
	}
	resplit.Set("MessageSid", genuine.form.Get("MessageSid")+"NumMedia"+genuine.form.Get("NumMedia"))
	resplit.Del("NumMedia")
	if carriersim.Signature(authToken, webhook, resplit) != genuine.signature {
		t.Fatal("the re-split form does not keep the genuine signature; the test would prove nothing")
	}
	if code := postWebhook(t, resplit, genuine.signature); code != http.StatusBadRequest {
		t.Errorf("re-split webhook = %d, want 400", code)
	}
	// A later text is applied after anything published before it (one ordering key per
	// consumer), so once it shows, a replay would have shown too.
	text(t, phone, f.Number, "1")
	expectSMS(t, ctx, phone, 3, "BILLING")
	assertTranscript(t, ctx, f, phone, "consumer:hello", "system:consent", "system:menu", "consumer:1", "system:menu")
}

// TestMalformedStatusCallbacksAreRefused: a signed status callback naming a malformed
// MessageSid, a status the carrier does not have or another account is answered 400.
func TestMalformedStatusCallbacksAreRefused(t *testing.T) {
	callback := runner.BaseURL + "/status?m=" + url.QueryEscape("sessions/x/transcript/000001")
	sid := "SM" + strings.Repeat("a", 32)
	for name, form := range map[string]url.Values{
		"MessageSid is a path": {"MessageSid": {"SM/../../x"}, "MessageStatus": {"delivered"}, "AccountSid": {accountSID}},
		"unknown status":       {"MessageSid": {sid}, "MessageStatus": {"exploded"}, "AccountSid": {accountSID}},
		"another account":      {"MessageSid": {sid}, "MessageStatus": {"delivered"}, "AccountSid": {"AC" + strings.Repeat("f", 32)}},
	} {
		if code := postSigned(t, callback, form, carriersim.Signature(authToken, callback, form)); code != http.StatusBadRequest {
			t.Errorf("%s: callback = %d, want 400", name, code)
		}
	}
	path := runner.BaseURL + "/status?m=" + url.QueryEscape("sessions/../transcript/000001")
	form := url.Values{"MessageSid": {sid}, "MessageStatus": {"delivered"}, "AccountSid": {accountSID}}
	if code := postSigned(t, path, form, carriersim.Signature(authToken, path, form)); code != http.StatusNotFound {
		t.Errorf("callback naming a path step = %d, want 404", code)
	}
}

// TestLocalSubscriptionsRetryAndDeadLetterAsTerraform: each subscription of the local
// runner has Terraform's retry policy and a dead-letter topic that a pull subscription keeps,
// so a message that can never be handled stops being redelivered.
func TestLocalSubscriptionsRetryAndDeadLetterAsTerraform(t *testing.T) {
	ctx := testCtx(t)
	project := os.Getenv("GOOGLE_CLOUD_PROJECT")
	c, err := pubsub.NewClient(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, name := range []string{"sms-inbound-conversation", "sms-outbound-sender", "sms-bulk-bulk", "sms-chat-events-crmsync"} {
		s, err := c.SubscriptionAdminClient.GetSubscription(ctx, &pubsubpb.GetSubscriptionRequest{Subscription: "projects/" + project + "/subscriptions/" + name})
		if err != nil {
			t.Errorf("subscription %s: %v", name, err)
			continue
		}
		rp, dl := s.GetRetryPolicy(), s.GetDeadLetterPolicy()
		if rp.GetMinimumBackoff().AsDuration() != localpubsub.RetryMinBackoff || rp.GetMaximumBackoff().AsDuration() != localpubsub.RetryMaxBackoff {
			t.Errorf("%s retries with %v", name, rp)
		}
		wantDL := "projects/" + project + "/topics/" + name + "-dead-letter"
		if dl.GetDeadLetterTopic() != wantDL || dl.GetMaxDeliveryAttempts() != localpubsub.MaxDeliveryAttempts {
			t.Errorf("%s dead-letters with %v, want %s after %d attempts", name, dl, wantDL, localpubsub.MaxDeliveryAttempts)
		}
		pull, err := c.SubscriptionAdminClient.GetSubscription(ctx, &pubsubpb.GetSubscriptionRequest{Subscription: "projects/" + project + "/subscriptions/" + name + "-dead-letter-pull"})
		if err != nil || pull.GetTopic() != wantDL {
			t.Errorf("dead letters of %s are not kept: %v %v", name, pull, err)
		}
	}
}
