package faults_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TestStatusDuringFirestoreStallIsKept: the carrier reports a message's delivery while
// Firestore stops answering, and it calls a status webhook once only. The webhook cannot
// record the statuses in time and hands them to the sender through the outbound topic; once
// Firestore is back the message shows delivered, as the consumer's phone has it.
func TestStatusDuringFirestoreStallIsKept(t *testing.T) {
	// Long enough for the carrier to report both statuses of the menu and for the webhook to
	// answer each after its bounded wait (2 s + 5 s, then 2 s + 5 s).
	const stall = 25 * time.Second
	phone := consumerPhone()
	// The statuses of the messages sent from now on come 2 s apart: late enough to fall in the
	// stall that starts once the menu is taken.
	sim.SetStatusDelay(2 * time.Second)
	defer sim.SetStatusDelay(0)
	ctx := testCtx(t, stall+90*time.Second)
	if res, _ := textWithin(t, carriersim.Inbound{From: phone, To: business, Body: "hello"}); res.StatusCode != http.StatusOK {
		t.Fatalf("first text = %d", res.StatusCode)
	}
	expectSMS(t, ctx, phone, 2, "Welcome to Acme Retail")
	firestore.Pause()
	resumed := time.AfterFunc(stall, firestore.Resume)
	defer func() {
		if resumed.Stop() {
			firestore.Resume()
		}
	}()
	menu := ""
	for _, m := range sim.Sent() {
		if m.To == phone {
			menu = m.SID
		}
	}
	// The carrier's own record, sent after 2 s and delivered after 4, and its callbacks all
	// answered, during the stall.
	if _, err := sim.WaitFor(ctx, func(m carriersim.Message) bool { return m.SID == menu && m.Status == "delivered" }); err != nil {
		t.Fatalf("the carrier never delivered the menu: %v", err)
	}
	for pending, _ := sim.Callbacks(); pending > 0; pending, _ = sim.Callbacks() {
		select {
		case <-ctx.Done():
			t.Fatalf("the carrier's status callbacks never ended")
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !resumed.Stop() {
		t.Fatalf("the menu's statuses were answered after the stall: the test proves nothing")
	}
	firestore.Resume()
	for {
		e, ok := entryBySID(t, ctx, phone, menu)
		if ok && e.Status == "delivered" {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the menu's stored status = %q (found %v) after the stall; want delivered", e.Status, ok)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// entryBySID is the transcript line of phone's active chat the carrier knows as sid.
func entryBySID(t *testing.T, ctx context.Context, phone, sid string) (session.Entry, bool) {
	t.Helper()
	for _, e := range entries(t, ctx, phone) {
		if e.MessageSID == sid {
			return e, true
		}
	}
	return session.Entry{}, false
}

// statusRecheck is how long after the carrier took a message the sweeper asks for its status.
const statusRecheck = 3 * time.Second

// TestLostStatusCallbacksAreAskedOfTheCarrier: the carrier delivers the consent and the menu
// but none of their status callbacks reach smsdesk (the status webhook was down, and the
// carrier calls it once). They show queued, though on the phone, until the sweeper asks
// the carrier; then they show delivered, and nothing is left to ask.
func TestLostStatusCallbacksAreAskedOfTheCarrier(t *testing.T) {
	phone := consumerPhone()
	sim.DropCallbacks(true)
	defer sim.DropCallbacks(false)
	ctx := testCtx(t, 90*time.Second)
	if res, _ := textWithin(t, carriersim.Inbound{From: phone, To: business, Body: "hello"}); res.StatusCode != http.StatusOK {
		t.Fatalf("first text = %d", res.StatusCode)
	}
	expectSMS(t, ctx, phone, 2, "Welcome to Acme Retail")
	var sids []string
	for _, m := range sim.Sent() {
		if m.To == phone {
			sids = append(sids, m.SID)
		}
	}
	for _, sid := range sids {
		if _, err := sim.WaitFor(ctx, func(m carriersim.Message) bool { return m.SID == sid && m.Status == "delivered" }); err != nil {
			t.Fatalf("the carrier never delivered %s: %v", sid, err)
		}
	}
	// The sender's record of the acceptance is the last write smsdesk makes on its own.
	var due time.Time
	for _, sid := range sids {
		e := waitStored(t, ctx, phone, sid, func(e session.Entry) bool { return !e.RecheckAt.IsZero() })
		if e.Status != "queued" {
			t.Fatalf("%s shows %q with every callback lost; want queued (the test proves nothing)", sid, e.Status)
		}
		if e.RecheckAt.After(due) {
			due = e.RecheckAt
		}
	}
	time.Sleep(time.Until(due)) // the checks' due time, not a wait for quiet
	if err := runner.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, sid := range sids {
		e := waitStored(t, ctx, phone, sid, func(e session.Entry) bool { return e.Status == "delivered" })
		if !e.RecheckAt.IsZero() {
			t.Errorf("%s is delivered and still due a check at %v", sid, e.RecheckAt)
		}
	}
}

// waitStored waits for the transcript line of phone's chat the carrier knows as sid to
// satisfy ok, and returns it.
func waitStored(t *testing.T, ctx context.Context, phone, sid string, ok func(session.Entry) bool) session.Entry {
	t.Helper()
	for {
		e, found := entryBySID(t, ctx, phone, sid)
		if found && ok(e) {
			return e
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s stored as %+v (found %v): never as expected", sid, e, found)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
