package carriersim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

var sidRe = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

func restErr(t *testing.T, err error) *client.TwilioRestError {
	t.Helper()
	var te *client.TwilioRestError
	if !errors.As(err, &te) {
		t.Fatalf("want *client.TwilioRestError, got %T %v", err, err)
	}
	return te
}

func TestCreateMessageWithTwilioGo(t *testing.T) {
	s, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, testToken)
	m, err := send(rc, business, consumer, "Hello from smsdesk", "")
	if err != nil {
		t.Fatal(err)
	}
	if !sidRe.MatchString(*m.Sid) || *m.Status != "queued" {
		t.Fatalf("sid %q status %q", *m.Sid, *m.Status)
	}
	if *m.To != consumer || *m.From != business || *m.Body != "Hello from smsdesk" ||
		*m.NumSegments != "1" || *m.NumMedia != "0" || *m.Direction != "outbound-api" ||
		*m.AccountSid != testSID || *m.ApiVersion != "2010-04-01" || *m.PriceUnit != "USD" {
		t.Fatalf("unexpected message %+v", m)
	}
	if m.ErrorCode != nil || m.DateSent != nil || m.Price != nil {
		t.Fatalf("error_code/date_sent/price should be null")
	}
	if want := "/2010-04-01/Accounts/" + testSID + "/Messages/" + *m.Sid + ".json"; *m.Uri != want {
		t.Fatalf("uri %q want %q", *m.Uri, want)
	}
	if _, err := time.Parse(time.RFC1123Z, *m.DateCreated); err != nil || !strings.HasSuffix(*m.DateCreated, "+0000") {
		t.Fatalf("date_created %q: %v", *m.DateCreated, err)
	}
	sent := s.Sent()
	if len(sent) != 1 || sent[0].SID != *m.Sid || sent[0].Body != "Hello from smsdesk" {
		t.Fatalf("Sent() = %+v", sent)
	}
	// The status moves on without a callback URL; fetch reflects it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.WaitFor(ctx, func(x Message) bool { return x.SID == *m.Sid && x.Status == "delivered" }); err != nil {
		t.Fatal(err)
	}
	got, err := rc.Api.FetchMessage(*m.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Status != "delivered" || got.DateSent == nil {
		t.Fatalf("fetched status %q", *got.Status)
	}
	_, err = rc.Api.FetchMessage("SM00000000000000000000000000000000", nil)
	if te := restErr(t, err); te.Code != 20404 || te.Status != 404 {
		t.Fatalf("unknown sid: %+v", te)
	}
}

func TestBadCredentials(t *testing.T) {
	_, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, "wrongtoken")
	_, err := send(rc, business, consumer, "hi", "")
	te := restErr(t, err)
	if te.Code != 20003 || te.Status != 401 || te.Message != "Authenticate" ||
		te.MoreInfo != "https://www.twilio.com/docs/errors/20003" {
		t.Fatalf("got %+v", te)
	}
	// Right credentials, other account in the path.
	rc = newRestClient(t, srv, testSID, testToken)
	p := &openapi.CreateMessageParams{}
	p.SetPathAccountSid("AC99999999999999999999999999999999").SetFrom(business).SetTo(consumer).SetBody("x")
	_, err = rc.Api.CreateMessage(p)
	if te := restErr(t, err); te.Code != 20003 {
		t.Fatalf("foreign account: %+v", te)
	}
	// No auth at all.
	resp, err := http.Post(srv.URL+"/2010-04-01/Accounts/"+testSID+"/Messages.json", "application/x-www-form-urlencoded", strings.NewReader("To=%2B15551230001"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("no auth: %d", resp.StatusCode)
	}
}

func TestValidation(t *testing.T) {
	_, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, testToken)
	cases := []struct {
		name, from, to, body string
		media                []string
		code                 int
	}{
		{"missing to", business, "", "hi", nil, 21604},
		{"no body", business, consumer, "", nil, 21602},
		{"bad to", business, "5551230001", "hi", nil, 21211},
		{"bad from", "+0123", consumer, "hi", nil, 21212},
		{"too long", business, consumer, strings.Repeat("a", 1601), nil, 21617},
	}
	for _, c := range cases {
		_, err := send(rc, c.from, c.to, c.body, "", c.media...)
		if te := restErr(t, err); te.Code != c.code || te.Status != 400 {
			t.Errorf("%s: got %+v want code %d", c.name, te, c.code)
		}
	}
	// Media only is fine, each MediaUrl its own field.
	m, err := send(rc, business, consumer, "", "", "https://example.com/a.jpg", "https://example.com/b.png")
	if err != nil {
		t.Fatal(err)
	}
	if *m.NumMedia != "2" {
		t.Fatalf("num_media %q", *m.NumMedia)
	}
}

func TestFailNext(t *testing.T) {
	s, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, testToken)
	s.FailNext(1, 429, 20429)
	s.FailNext(1, 500, 20500)
	s.FailNext(1, 503, 0)
	_, err := send(rc, business, consumer, "one", "")
	if te := restErr(t, err); te.Status != 429 || te.Code != 20429 {
		t.Fatalf("first: %+v", te)
	}
	_, err = send(rc, business, consumer, "two", "")
	if te := restErr(t, err); te.Status != 500 || te.Code != 20500 {
		t.Fatalf("second: %+v", te)
	}
	_, err = send(rc, business, consumer, "three", "")
	var te *client.TwilioRestError
	if err == nil || errors.As(err, &te) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("HTML 503 should be a decode error, got %v", err)
	}
	if _, err := send(rc, business, consumer, "four", ""); err != nil {
		t.Fatal(err)
	}
	if sent := s.Sent(); len(sent) != 1 || sent[0].Body != "four" {
		t.Fatalf("failed sends must not be accepted: %+v", sent)
	}
}

func TestOptOutBlocksSend(t *testing.T) {
	h := newHook(t, "/inbound")
	s, srv := newTestSim(t, Options{WebhookURL: h.URL()})
	rc := newRestClient(t, srv, testSID, testToken)
	ctx := context.Background()
	if _, err := s.SendInbound(ctx, Inbound{From: consumer, To: business, Body: "  stop "}); err != nil {
		t.Fatal(err)
	}
	if v := h.next(t); v.Get("OptOutType") != "STOP" {
		t.Fatalf("OptOutType %q", v.Get("OptOutType"))
	}
	if !s.OptedOut(business, consumer) {
		t.Fatal("pair should be opted out")
	}
	_, err := send(rc, business, consumer, "are you there?", "")
	te := restErr(t, err)
	if te.Code != 21610 || te.Status != 400 || te.Message != "Attempt to send to unsubscribed recipient" {
		t.Fatalf("got %+v", te)
	}
	// Another business number may still send.
	if _, err := send(rc, "+18005550199", consumer, "other line", ""); err != nil {
		t.Fatal(err)
	}
	// "stop please" is not a keyword; START opts back in.
	if _, err := s.SendInbound(ctx, Inbound{From: consumer, To: business, Body: "stop please"}); err != nil {
		t.Fatal(err)
	}
	if v := h.next(t); v.Has("OptOutType") {
		t.Fatalf("unexpected OptOutType %q", v.Get("OptOutType"))
	}
	if _, err := s.SendInbound(ctx, Inbound{From: consumer, To: business, Body: "Unstop"}); err != nil {
		t.Fatal(err)
	}
	if v := h.next(t); v.Get("OptOutType") != "START" || s.OptedOut(business, consumer) {
		t.Fatalf("START not applied: %v", v)
	}
	if _, err := send(rc, business, consumer, "welcome back", ""); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Sent()); n != 2 {
		t.Fatalf("the carrier's keyword replies are not API sends; sent %d", n)
	}
}

// TestKeywordsByNumberKind: the carrier answers keywords as it does on each kind of number:
// long codes STOP, START and HELP (its reply in the consumer's inbox, OptOutType on the
// webhook); toll-free numbers STOP and START in the network; short codes nothing.
func TestKeywordsByNumberKind(t *testing.T) {
	for _, tc := range []struct {
		kind, number string
		handles      []string
	}{
		{"long code", "+14155550100", []string{"STOP", "START", "HELP"}},
		{"toll-free", "+18445550100", []string{"STOP", "START"}},
		{"short code", "12345", nil},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			h := newHook(t, "/inbound")
			s, srv := newTestSim(t, Options{WebhookURL: h.URL()})
			rc := newRestClient(t, srv, testSID, testToken)
			handled := map[string]bool{}
			for _, k := range tc.handles {
				handled[k] = true
			}
			for _, tx := range []struct{ body, kind string }{{"Revoke", "STOP"}, {"unstop", "START"}, {"OPTOUT", "STOP"}, {"help", "HELP"}, {"Yes", "START"}} {
				before := len(s.Inbox(consumer))
				if _, err := s.SendInbound(context.Background(), Inbound{From: consumer, To: tc.number, Body: tx.body}); err != nil {
					t.Fatal(err)
				}
				v := h.next(t)
				inbox := s.Inbox(consumer)
				if !handled[tx.kind] {
					if v.Has("OptOutType") || len(inbox) != before {
						t.Errorf("%q: OptOutType %q, inbox %d→%d; want nothing from the carrier", tx.body, v.Get("OptOutType"), before, len(inbox))
					}
					continue
				}
				if v.Get("OptOutType") != tx.kind {
					t.Errorf("%q: OptOutType %q, want %s", tx.body, v.Get("OptOutType"), tx.kind)
				}
				if len(inbox) != before+1 || inbox[before].Body != CarrierReplies[tx.kind] || !inbox[before].ByCarrier || inbox[before].From != tc.number {
					t.Errorf("%q: inbox %+v, want the carrier's %s reply", tx.body, inbox, tx.kind)
				}
				if tx.body == "OPTOUT" {
					_, err := send(rc, tc.number, consumer, "are you there?", "")
					if te := restErr(t, err); te.Code != 21610 {
						t.Errorf("send after OPTOUT: %+v, want 21610", te)
					}
				}
			}
			if !handled["STOP"] {
				if _, err := send(rc, tc.number, consumer, "still there?", ""); err != nil {
					t.Errorf("the carrier blocked a short code after STOP: %v", err)
				}
			}
			if n := len(s.Sent()); n > 1 {
				t.Errorf("the carrier's replies counted as API sends: %d", n)
			}
		})
	}
}

func TestConcurrentSends(t *testing.T) {
	s, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, testToken)
	const n = 200
	var wg sync.WaitGroup
	sids := make([]string, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m, err := send(rc, business, fmt.Sprintf("+1555%07d", i), fmt.Sprintf("msg %d", i), "")
			if err != nil {
				errs <- err
				return
			}
			sids[i] = *m.Sid
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sent := s.Sent()
	if len(sent) != n {
		t.Fatalf("recorded %d of %d", len(sent), n)
	}
	seen := map[string]bool{}
	for _, m := range sent {
		if seen[m.SID] || !sidRe.MatchString(m.SID) {
			t.Fatalf("bad or duplicate sid %q", m.SID)
		}
		seen[m.SID] = true
	}
	for _, sid := range sids {
		if !seen[sid] {
			t.Fatalf("sid %s returned but not recorded", sid)
		}
	}
	// Everyone reaches delivered; WaitFor wakes on status changes.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg2 sync.WaitGroup
	for _, sid := range sids {
		wg2.Add(1)
		go func(sid string) {
			defer wg2.Done()
			if _, err := s.WaitFor(ctx, func(m Message) bool { return m.SID == sid && m.Status == "delivered" }); err != nil {
				t.Error(err)
			}
		}(sid)
	}
	wg2.Wait()
}

func TestWaitForBlocksUntilSend(t *testing.T) {
	s, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, testToken)
	done := make(chan Message, 1)
	go func() {
		m, err := s.WaitFor(context.Background(), func(m Message) bool { return m.Body == "later" })
		if err != nil {
			t.Error(err)
		}
		done <- m
	}()
	time.Sleep(20 * time.Millisecond)
	if _, err := send(rc, business, consumer, "later", ""); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-done:
		if m.To != consumer {
			t.Fatalf("got %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitFor did not wake")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.WaitFor(ctx, func(Message) bool { return false }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline error, got %v", err)
	}
}

func TestListMessages(t *testing.T) {
	_, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, testToken)
	for i, to := range []string{consumer, "+15559990000", consumer} {
		if _, err := send(rc, business, to, fmt.Sprint("m", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	p := &openapi.ListMessageParams{}
	p.SetTo(consumer)
	list, err := rc.Api.ListMessage(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || *list[0].Body != "m2" || *list[1].Body != "m0" {
		b, _ := json.Marshal(list)
		t.Fatalf("list %s", b)
	}
}
