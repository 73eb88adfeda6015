package carriersim

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// TestListMessagesByDateSentAndPages: twilio-go's ListMessage with From, To and DateSent>
// gets the messages sent since then, newest first, across pages; queued ones have no date
// sent and so pass no date filter.
func TestListMessagesByDateSentAndPages(t *testing.T) {
	s, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, testToken)
	for i := range 5 {
		if _, err := send(rc, business, consumer, fmt.Sprint("m", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 5 {
		if _, err := s.WaitFor(ctx, func(m Message) bool { return m.Body == fmt.Sprint("m", i) && !m.Sent.IsZero() }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := send(rc, "+18005550199", consumer, "other sender", ""); err != nil {
		t.Fatal(err)
	}
	p := &openapi.ListMessageParams{}
	p.SetFrom(business).SetTo(consumer).SetDateSentAfter(time.Now().Add(-time.Minute)).SetPageSize(2)
	list, err := rc.Api.ListMessage(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 5 || *list[0].Body != "m4" || *list[4].Body != "m0" {
		t.Fatalf("listed %d messages over pages of 2: %v", len(list), list)
	}
	p = &openapi.ListMessageParams{}
	p.SetTo(consumer).SetDateSentAfter(time.Now().Add(time.Hour))
	if list, err := rc.Api.ListMessage(p); err != nil || len(list) != 0 {
		t.Fatalf("sent after the next hour: %d messages, %v", len(list), err)
	}
	p = &openapi.ListMessageParams{}
	p.SetTo(consumer).SetDateSentBefore(time.Now().Add(-time.Hour))
	if list, err := rc.Api.ListMessage(p); err != nil || len(list) != 0 {
		t.Fatalf("sent before the last hour: %d messages, %v", len(list), err)
	}
	// DateSent=YYYY-MM-DD, as the API documents, takes the whole day.
	page, err := rc.Api.PageMessage(&openapi.ListMessageParams{}, "", "")
	if err != nil || len(page.Messages) != 6 {
		t.Fatalf("unfiltered page: %v %v", page, err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/2010-04-01/Accounts/"+testSID+"/Messages.json?DateSent="+time.Now().UTC().Format("2006-01-02")+"&From="+business, nil)
	req.SetBasicAuth(testSID, testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("DateSent of today: %v %v", res, err)
	}
	res.Body.Close()
	req.URL.RawQuery = "DateSent%3E=yesterday"
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a malformed date: %v %v, want 400", res, err)
	}
}

// TestStalledSends: a stalled send gets no answer; with taken, the carrier has the message
// (queued, so without a date sent), and without, it has nothing.
func TestStalledSends(t *testing.T) {
	s, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, testToken)
	s.StallNext(1, true)
	s.StallNext(1, false)
	rc.SetTimeout(200 * time.Millisecond)
	if _, err := send(rc, business, consumer, "taken", ""); err == nil {
		t.Fatal("a stalled send was answered")
	}
	if _, err := send(rc, business, consumer, "not taken", ""); err == nil {
		t.Fatal("a stalled send was answered")
	}
	sent := s.Sent()
	if len(sent) != 1 || sent[0].Body != "taken" || sent[0].Status != "queued" || !sent[0].Sent.IsZero() {
		t.Fatalf("the carrier has %+v, want the taken message, queued", sent)
	}
	if _, err := send(rc, business, consumer, "answered", ""); err != nil {
		t.Fatalf("the send after the stalls: %v", err)
	}
}
