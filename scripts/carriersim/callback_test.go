package carriersim

import (
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"
)

func TestSignatureMatchesTwilioGo(t *testing.T) {
	params := url.Values{"Body": {"héllo & ünïcode"}, "From": {consumer}, "To": {business},
		"MediaUrl0": {"https://x/y?z=1"}, "A": {""}}
	flat := map[string]string{}
	for k, v := range params {
		flat[k] = v[0]
	}
	rv := client.NewRequestValidator(testToken)
	for _, u := range []string{"https://example.com/inbound?tenant=a&x=1", "http://localhost:8080/inbound"} {
		sig := Signature(testToken, u, params)
		if !rv.Validate(u, flat, sig) {
			t.Fatalf("twilio-go rejects our signature for %s", u)
		}
		other := client.NewRequestValidator("other")
		if rv.Validate(u+"x", flat, sig) || other.Validate(u, flat, sig) {
			t.Fatal("signature should not validate for another URL or token")
		}
	}
	// Known vector from twilio-go's own request validator tests.
	vec := url.Values{"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"},
		"Reason": {"Participant"}}
	if got := Signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", vec); got != "vOEb5UThFn24KEfnOFLQY2AE5FY=" {
		t.Fatalf("known vector: %s", got)
	}
}

func TestStatusCallbacksSignedInOrder(t *testing.T) {
	h := newHook(t, "/twilio/status?msg=42&tenant=acme")
	_, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, testToken)
	m, err := send(rc, business, consumer, "status please", h.URL())
	if err != nil {
		t.Fatal(err)
	}
	first, second := h.next(t), h.next(t)
	for i, v := range []url.Values{first, second} {
		want := []string{"sent", "delivered"}[i]
		if v.Get("MessageStatus") != want || v.Get("SmsStatus") != want ||
			v.Get("MessageSid") != *m.Sid || v.Get("SmsSid") != *m.Sid ||
			v.Get("AccountSid") != testSID || v.Get("From") != business ||
			v.Get("To") != consumer || v.Get("ApiVersion") != "2010-04-01" {
			t.Fatalf("callback %d: %v", i, v)
		}
		if v.Has("ErrorCode") {
			t.Fatalf("callback %d has ErrorCode", i)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.calls) != 2 {
		t.Fatalf("%d callbacks, want 2 (no queued callback)", len(h.calls))
	}
	for i, ok := range h.sigOK {
		if !ok {
			t.Fatalf("callback %d signature invalid", i)
		}
	}
}

func TestUndeliveredAndFailedOutcomes(t *testing.T) {
	h := newHook(t, "/status")
	s, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, testToken)
	s.SetDeliveryOutcome(consumer, "undelivered", 30003)
	s.SetDeliveryOutcome("+15550000002", "failed", 30008)

	m, err := send(rc, business, consumer, "will bounce", h.URL())
	if err != nil {
		t.Fatal(err)
	}
	if v := h.next(t); v.Get("MessageStatus") != "sent" {
		t.Fatalf("first %v", v)
	}
	v := h.next(t)
	if v.Get("MessageStatus") != "undelivered" || v.Get("ErrorCode") != "30003" || v.Get("MessageSid") != *m.Sid {
		t.Fatalf("final %v", v)
	}
	got, err := rc.Api.FetchMessage(*m.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Status != "undelivered" || got.ErrorCode == nil || *got.ErrorCode != 30003 || *got.ErrorMessage == "" {
		t.Fatalf("fetched %v %v", *got.Status, got.ErrorCode)
	}

	if _, err := send(rc, business, "+15550000002", "will fail", h.URL()); err != nil {
		t.Fatal(err)
	}
	if v := h.next(t); v.Get("MessageStatus") != "failed" || v.Get("ErrorCode") != "30008" {
		t.Fatalf("failed: %v", v)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, ok := range h.sigOK {
		if !ok {
			t.Fatalf("callback %d signature invalid", i)
		}
	}
}
