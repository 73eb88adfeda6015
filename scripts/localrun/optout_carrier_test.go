package localrun_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/config"
)

// stopWithoutOptOutType texts STOP as a carrier that handled it but sent no OptOutType (a
// number outside a messaging service with Advanced Opt-Out): the carrier has opted the
// consumer out and answered them, the webhook just does not say so. It returns the MessageSid.
func stopWithoutOptOutType(t *testing.T, business, phone string) string {
	t.Helper()
	sim.SetOptedOut(business, phone, true)
	var b [16]byte
	_, _ = rand.Read(b[:])
	sid := "SM" + hex.EncodeToString(b[:])
	webhook := runner.BaseURL + "/inbound"
	form := url.Values{"MessageSid": {sid}, "AccountSid": {accountSID}, "From": {phone}, "To": {business}, "Body": {"STOP"}, "NumMedia": {"0"}}
	if code := postSigned(t, webhook, form, carriersim.Signature(authToken, webhook, form)); code != http.StatusOK {
		t.Fatalf("webhook = %d", code)
	}
	return sid
}

// TestCarrierConfirmedStopIsRecordedNotSent: on a toll-free number the carrier confirms STOP
// itself, so smsdesk records its confirmation as sent by the carrier instead of sending one
// that could only be refused (and then show as a failed message).
func TestCarrierConfirmedStopIsRecordedNotSent(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone, chatID := openChat(t, f)
	sid := stopWithoutOptOutType(t, f.Number, phone)
	if out := waitApplied(t, ctx, f.Number, phone, sid); len(out) != 0 {
		t.Errorf("STOP queued %d messages for a carrier that confirms opt-outs itself", len(out))
	}
	c := waitEntry(t, f.Tokens["ana"], chatID, func(c chatJSON) bool { return c.State == "ended" })
	if last := c.Transcript[len(c.Transcript)-1]; last.Kind != "optout" || last.Status != "sent-by-carrier" {
		t.Errorf("confirmation = %+v, want it recorded as sent by the carrier", last)
	}
}

// TestConsumersStopStandsAfterCarrierRefusal: where our confirmation is sent (the number says
// the carrier does not confirm) and the carrier refuses it with 21610, the opt-out on record
// stays the consumer's STOP: a business trying to text them is told of that message.
func TestConsumersStopStandsAfterCarrierRefusal(t *testing.T) {
	f := newFixture(t)
	setNumberOptions(t, f.Number, map[string]any{"carrierConfirmsOptOut": false})
	ana := f.Tokens["ana"]
	phone, chatID := openChat(t, f)
	sid := stopWithoutOptOutType(t, f.Number, phone)
	waitEntry(t, ana, chatID, func(c chatJSON) bool {
		last := c.Transcript[len(c.Transcript)-1]
		return last.Kind == "optout" && last.Status == "failed"
	})
	code, r, _ := outCall(t, ana, "/sessions", "", map[string]any{"from": f.Number, "to": phone, "body": "hello again", "agent": f.Prefix + "-ana"})
	if code != http.StatusConflict || r.Error.Code != "opted_out" || !strings.Contains(r.Error.Message, "sms:"+sid) {
		t.Errorf("texting after STOP = %d %+v, want 409 opted_out citing the consumer's STOP %s", code, r.Error, sid)
	}
}

// TestCarrierOptOutReachesTheBrand: a 21610 on one number of a brand (opt-out scope brand, the
// default) opts the consumer out of the brand's other numbers too, as their STOP would.
func TestCarrierOptOutReachesTheBrand(t *testing.T) {
	n := fixtureSeq.Add(1)
	p := fmt.Sprintf("r%d", n)
	a, b := fmt.Sprintf("+1800558%04d", n), fmt.Sprintf("+1800559%04d", n)
	token := "token-" + p + "-ola"
	loadCatalog(t, config.Catalog{
		Numbers: []config.Number{
			{Number: a, LineOfBusiness: p, EntryQueue: p + "-q", DefaultLanguage: "en", Brand: "Brand " + p, MPS: 50},
			{Number: b, LineOfBusiness: p, EntryQueue: p + "-q", DefaultLanguage: "en", Brand: "Brand " + p, MPS: 50},
		},
		Queues: []config.Queue{{ID: p + "-q", Name: "Desk", LineOfBusiness: p}},
		Agents: []config.Agent{{ID: p + "-ola", Name: "Ola", Queues: []string{p + "-q"}, Languages: []string{"en"}, Token: token}},
	})
	ctx := testCtx(t)
	phone := consumerPhone()
	sim.SetOptedOut(a, phone, true) // the consumer opted out with the carrier, not through us
	open := func(from string) (int, outResult) {
		code, r, _ := outCall(t, token, "/sessions", "", map[string]any{"from": from, "to": phone, "body": "about your order", "agent": p + "-ola", "consent": consent()})
		return code, r
	}
	code, r := open(a)
	if code != http.StatusAccepted {
		t.Fatalf("first chat = %d %+v", code, r.Error)
	}
	waitEntry(t, token, r.ChatID, func(c chatJSON) bool { return c.Transcript[0].Status == "failed" })
	cons, err := runner.Store.Consumer(ctx, b, phone)
	if err != nil || !cons.OptedOut {
		t.Fatalf("the brand's other number still texts the consumer after 21610: %+v %v", cons, err)
	}
	if code, r := open(b); code != http.StatusConflict || r.Error.Code != "opted_out" || !strings.Contains(r.Error.Message, "carrier error 21610") {
		t.Errorf("brand sibling after 21610 = %d %+v", code, r.Error)
	}
}
