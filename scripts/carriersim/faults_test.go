package carriersim

import (
	"testing"
	"time"
)

// TestFailForFailsEverySendUntilItEnds: a timed failure answers every send with its status and
// code while it lasts, then sends are taken again.
func TestFailForFailsEverySendUntilItEnds(t *testing.T) {
	s, srv := newTestSim(t, Options{})
	rc := newRestClient(t, srv, testSID, testToken)
	s.FailFor(300*time.Millisecond, 429, 20429, false)
	for i := range 3 {
		_, err := send(rc, business, consumer, "during", "")
		if te := restErr(t, err); te.Status != 429 || te.Code != 20429 {
			t.Fatalf("send %d during the failure: %+v", i, te)
		}
	}
	time.Sleep(350 * time.Millisecond) // the failure's own length
	if _, err := send(rc, business, consumer, "after", ""); err != nil {
		t.Fatalf("send after the failure: %v", err)
	}
	if sent := s.Sent(); len(sent) != 1 || sent[0].Body != "after" {
		t.Fatalf("accepted %+v, want only the send after the failure", sent)
	}
}

// TestDisorderedCallbacksComeTwiceNewestFirst: with DisorderCallbacks each status callback
// comes twice, the final status before the earlier one first.
func TestDisorderedCallbacksComeTwiceNewestFirst(t *testing.T) {
	h := newHook(t, "/status")
	s, srv := newTestSim(t, Options{StatusDelay: time.Millisecond})
	rc := newRestClient(t, srv, testSID, testToken)
	s.DisorderCallbacks(true)
	if _, err := send(rc, business, consumer, "hi", h.URL()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 4 {
		got = append(got, h.next(t).Get("MessageStatus"))
	}
	want := []string{"delivered", "sent", "sent", "delivered"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("callbacks %v, want %v", got, want)
		}
	}
}
