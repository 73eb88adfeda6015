package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/ewt"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/metering"
	"github.com/smsdesk/smsdesk/shared/session"
)

// meteredTestStore is newTestStore with its reads and writes counted.
func meteredTestStore(t *testing.T) (*Store, *metering.Meter, context.Context) {
	t.Helper()
	m := metering.New()
	s, ctx := newTestStoreOn(t, fmt.Sprintf("store-cost-%d", time.Now().UnixNano()), m.FirestoreOptions()...)
	return s, m, ctx
}

// applyText applies a consumer's text through the session state machine, as the
// conversation does.
func applyText(t *testing.T, ctx context.Context, s *Store, business, phone, sid, body string) session.Applied {
	t.Helper()
	line, err := s.Line(ctx, business)
	if err != nil {
		t.Fatal(err)
	}
	in := session.Inbound{MessageSID: sid, Business: business, Phone: phone, Body: body, At: time.Now().UTC()}
	res, _, err := s.ApplyInbound(ctx, in, func(c session.Consumer, cur *session.Session) (session.Outcome, followup.Followups) {
		return session.Handle(line, c, cur, in), followup.Followups{}
	})
	if err != nil {
		t.Fatalf("apply %q: %v", body, err)
	}
	return res
}

// TestAMidChatTextReadsItsConsumerAndChatOnly: a text into a chat reads the consumer's record
// and the chat, nothing else: no receipt (its creation refuses a redelivery) and no brand
// ledger (its copy is on the record). A redelivery is still applied once.
func TestAMidChatTextReadsItsConsumerAndChatOnly(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	const business, phone = "+18005550100", "+15551230101"
	first := applyText(t, ctx, s, business, phone, "SM01", "hello")
	if first.Session == nil || first.Session.State != session.Queued {
		t.Fatalf("first text: chat %+v, want one queued", first.Session)
	}
	before := m.Snapshot()
	mid := applyText(t, ctx, s, business, phone, "SM02", "anyone there?")
	if got := m.Snapshot().Sub(before); got.Reads != 2 {
		t.Errorf("mid-chat text read %d documents (%v), want 2: the consumer and the chat", got.Reads, m.ByCollection())
	}
	if mid.Duplicate || mid.Session == nil || mid.Session.ID != first.Session.ID {
		t.Fatalf("mid-chat text: %+v", mid)
	}
	again := applyText(t, ctx, s, business, phone, "SM02", "anyone there?")
	if !again.Duplicate {
		t.Errorf("a redelivered text was applied again: %+v", again)
	}
	entries, err := s.Transcript(ctx, first.Session.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Author == session.FromConsumer && e.Body == "anyone there?" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the redelivered text is %d times in the transcript, want once", n)
	}
}

// TestABrandOptOutReachesTheBrandsOtherRecordsWithoutALedgerRead: a STOP to one number of
// the brand opts the consumer out on the brand's other number, whose record then answers alone.
func TestABrandOptOutReachesTheBrandsOtherRecordsWithoutALedgerRead(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	const phone = "+15551230102"
	applyText(t, ctx, s, "+18005550101", phone, "SM11", "hi")
	applyText(t, ctx, s, "+18005550102", phone, "SM12", "hi") // its opt-outs are its own
	applyText(t, ctx, s, "+18005550100", phone, "SM13", "STOP")
	for number, want := range map[string]bool{"+18005550101": true, "+18005550102": false} {
		before := m.Snapshot()
		c, err := s.Consumer(ctx, number, phone)
		if err != nil {
			t.Fatal(err)
		}
		if c.OptedOut != want {
			t.Errorf("on %s: opted out %v, want %v", number, c.OptedOut, want)
		}
		if got := m.Snapshot().Sub(before).Reads; got != 1 {
			t.Errorf("reading the consumer on %s took %d reads, want 1", number, got)
		}
	}
	applyText(t, ctx, s, "+18005550100", phone, "SM14", "START")
	if c, err := s.Consumer(ctx, "+18005550100", phone); err != nil || c.OptedOut {
		t.Errorf("after START on the number: %+v, %v; want opted in", c, err)
	}
	// The brand's last word stands on its other number too (it never opted out there itself).
	before := m.Snapshot()
	if c, err := s.Consumer(ctx, "+18005550101", phone); err != nil || c.OptedOut {
		t.Errorf("on the brand's other number after START: %+v, %v; want opted in", c, err)
	}
	if got := m.Snapshot().Sub(before).Reads; got != 1 {
		t.Errorf("reading the consumer on +18005550101 after START took %d reads, want 1", got)
	}
}

// TestAnOldRecordWithoutTheCopyReadsTheLedger: a record written before copies were kept
// still sees the brand's opt-out.
func TestAnOldRecordWithoutTheCopyReadsTheLedger(t *testing.T) {
	s, _, ctx := meteredTestStore(t)
	const phone = "+15551230103"
	old := session.Consumer{Business: "+18005550101", Phone: phone, ActiveSession: ""}
	if _, err := s.consumerRef(old.Business, phone).Set(ctx, old); err != nil {
		t.Fatal(err)
	}
	ref, err := s.brandRef(ctx, old.Business, phone)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ref.Set(ctx, session.BrandOptOut{OptedOut: true, At: time.Now(), Source: "STOP on +18005550100"}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Consumer(ctx, old.Business, phone); err != nil || !c.OptedOut {
		t.Errorf("old record: %+v, %v; want opted out by the ledger", c, err)
	}
}

// TestBlockedNumbersAreReadOncePerInstance: lookups answer from the instance's copy; a block
// made through the store counts at once, one made by another instance within the cache's life.
func TestBlockedNumbersAreReadOncePerInstance(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	s.ttl = 300 * time.Millisecond
	other := New(s.fs)
	other.ttl = s.ttl
	before := m.Snapshot()
	for i := range 30 {
		if b, err := s.Blocked(ctx, fmt.Sprintf("+1555123%04d", i)); err != nil || b {
			t.Fatalf("lookup %d: %v, %v", i, b, err)
		}
	}
	if got := m.Snapshot().Sub(before).Reads; got > 2 {
		t.Errorf("30 lookups read %d documents, want at most 2 (the stamp and the list)", got)
	}
	const n = "+15551239999"
	if err := s.Block(ctx, BlockedNumber{Number: n, AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Blocked(ctx, n); err != nil || !b {
		t.Errorf("right after blocking through the store: %v, %v", b, err)
	}
	if b, err := other.Blocked(ctx, n); err != nil || !b {
		t.Errorf("another instance's first lookup: %v, %v", b, err)
	}
	if err := s.Unblock(ctx, n); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		b, err := other.Blocked(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if !b {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("another instance still sees the number blocked 2 s after it was unblocked (cache life 300 ms)")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTextsArrivingTogetherReadTheLineOnce: a burst of texts finding the configuration
// uncached waits for one read of it.
func TestTextsArrivingTogetherReadTheLineOnce(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	s.mu.Lock()
	s.forgetConfigLocked()
	s.mu.Unlock()
	before := m.Snapshot()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Line(ctx, "+18005550100"); err != nil {
				t.Error(err)
			}
			if ok, err := s.BusinessNumber(ctx, "+18005550199"); err != nil || ok {
				t.Errorf("an unknown number: %v, %v", ok, err)
			}
		}()
	}
	wg.Wait()
	// The number, its line's queues and the settings; the unknown number once.
	if got := m.Snapshot().Sub(before).Reads; got != 4 {
		t.Errorf("20 texts at once read %d configuration documents, want 4 (%v)", got, m.ByCollection())
	}
}

// TestAWaitEstimateCountsTheChatsAheadWithoutReadingThem: a chat joining a queue learns its
// place from two counts, whatever the number of chats waiting and in progress: higher
// priorities first, then the same priority by age; one waiting already is not ahead of itself.
func TestAWaitEstimateCountsTheChatsAheadWithoutReadingThem(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	put := func(id, queue string, st session.State, priority int, queuedAt time.Time) {
		c := session.Session{ID: id, LineOfBusiness: "shop"}
		c.EnterQueue(queue, priority, queuedAt)
		c.State = st
		if st == session.Assigned {
			c.AgentID = "ana"
		}
		if _, err := s.sessionRef(id).Set(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		put(fmt.Sprintf("urgent-%d", i), "root", session.Queued, 5, now.Add(time.Duration(i)*time.Second)) // later, but higher
		put(fmt.Sprintf("early-%d", i), "root", session.Queued, 0, now.Add(-time.Duration(i+1)*time.Second))
		put(fmt.Sprintf("late-%d", i), "root", session.Queued, 0, now.Add(time.Duration(i+1)*time.Second))
		put(fmt.Sprintf("other-%d", i), "billing", session.Queued, 9, now.Add(-time.Hour))
		put(fmt.Sprintf("held-%d", i), "root", session.Assigned, 9, now.Add(-time.Hour))
	}
	l, err := ewt.Estimator{State: s}.LoadLine(ctx, "shop", now)
	if err != nil {
		t.Fatal(err)
	}
	// The line's agents and ended chats are read by the first estimate that must size a wait.
	if _, err := l.Join(ctx, "root", 0, now); err != nil {
		t.Fatal(err)
	}
	before := m.ByCollection()
	joining, err := l.Join(ctx, "root", 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if joining.Position != 21 {
		t.Errorf("a chat joining root is number %d, want 21 (10 of a higher priority, 10 of its own that came first)", joining.Position)
	}
	if got := m.ByCollection().Sub(before)["sessions"].Reads; got != 1 {
		t.Errorf("the place in line read %d chats, want 1 (one count)", got)
	}
	waiting, err := l.Waiting(ctx, "root", 0, now.Add(-5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if waiting.Position != 16 {
		t.Errorf("early-4, waiting, is number %d, want 16 (behind 10 urgent and early-5 to early-9)", waiting.Position)
	}
}

// TestIdlestAgentsPagesByIdleTime: assignment's agents come longest idle first, a page at a
// time, with only the page's agents read.
func TestIdlestAgentsPagesByIdleTime(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	t0 := time.Now().UTC().Add(-time.Hour)

	for i := range 5 {
		id := fmt.Sprintf("ag-%d", i)
		if _, err := s.agentRef(id).Set(ctx, map[string]any{"id": id, "servesQueues": []string{"root"}, "capacity": 1}); err != nil {
			t.Fatal(err)
		}
		// ag-4 went available first: it has been idle longest.
		if err := s.SetAgentStatus(ctx, id, "available", t0.Add(time.Duration(5-i)*time.Minute), nil); err != nil {
			t.Fatal(err)
		}
	}
	before := m.Snapshot()
	first, err := s.IdlestAgents(ctx, "root", nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	next, err := s.IdlestAgents(ctx, "root", &first[len(first)-1], 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range append(first, next...) {
		got = append(got, a.ID)
	}
	if fmt.Sprint(got) != "[ag-4 ag-3 ag-2 ag-1]" {
		t.Errorf("two pages of 2: %v, want [ag-4 ag-3 ag-2 ag-1]", got)
	}
	if r := m.Snapshot().Sub(before).Reads; r != 4 {
		t.Errorf("two pages of 2 read %d agents, want 4", r)
	}
}

// TestTheCarriersAcceptanceIsWrittenWithoutARead: the sender's write of the carrier's answer
// goes onto the message as its claim wrote it, with no read; when a status callback changed
// the message in between, it is read again and decided on what it holds now.
func TestTheCarriersAcceptanceIsWrittenWithoutARead(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	for _, id := range []string{"000001", "000002"} {
		if _, err := s.fs.Doc("sessions/S1/transcript/"+id).Set(ctx, session.Entry{Seq: 1, Author: session.FromSystem, Body: "hi", Status: session.StatusPending}); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(path string) session.Entry {
		e, _, err := s.UpdateStatus(ctx, path, func(e *session.Entry, _ *followup.Followups) bool {
			e.Status = session.StatusDispatching
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	accept := func(e *session.Entry, _ *followup.Followups) bool {
		if e.Status != session.StatusDispatching {
			return false // a later status stands
		}
		e.Status, e.MessageSID = "queued", "SM1"
		return true
	}

	claimed := claim("sessions/S1/transcript/000001")
	before := m.Snapshot()
	got, _, err := s.UpdateStatusOn(ctx, "sessions/S1/transcript/000001", claimed, accept)
	if err != nil {
		t.Fatal(err)
	}
	if d := m.Snapshot().Sub(before); d.Reads != 0 || d.Writes != 1 || got.Status != "queued" {
		t.Errorf("acceptance onto the claimed message: %+v, status %q; want no read, one write, queued", d, got.Status)
	}

	// A "delivered" callback comes between the claim and the acceptance.
	claimed = claim("sessions/S1/transcript/000002")
	if _, _, err := s.UpdateStatus(ctx, "sessions/S1/transcript/000002", func(e *session.Entry, _ *followup.Followups) bool {
		e.Status = "delivered"
		return true
	}); err != nil {
		t.Fatal(err)
	}
	before = m.Snapshot()
	if _, _, err := s.UpdateStatusOn(ctx, "sessions/S1/transcript/000002", claimed, accept); err != nil {
		t.Fatal(err)
	}
	if d := m.Snapshot().Sub(before); d.Reads != 1 {
		t.Errorf("acceptance after a callback read %d times, want once (the precondition failed)", d.Reads)
	}
	var e session.Entry
	snap, err := s.fs.Doc("sessions/S1/transcript/000002").Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.DataTo(&e); err != nil || e.Status != "delivered" {
		t.Errorf("message after a late acceptance: %q, %v; want delivered kept", e.Status, err)
	}
}

// TestReceiptStoredIsTheApplyingCommitsTime: a text's receipt says when the commit that
// applied it stored it, within the call that applied it.
func TestReceiptStoredIsTheApplyingCommitsTime(t *testing.T) {
	s, _, ctx := meteredTestStore(t)
	const business, phone = "+18005550100", "+15551230102"
	if _, at, found, err := s.ReceiptStored(ctx, business, phone, "SM01"); err != nil || found || !at.IsZero() {
		t.Fatalf("before the text: %v, %v, %v; want not found", at, found, err)
	}
	before := time.Now()
	applied := applyText(t, ctx, s, business, phone, "SM01", "hello")
	after := time.Now()
	id, at, found, err := s.ReceiptStored(ctx, business, phone, "SM01")
	if err != nil || !found || id != applied.Session.ID {
		t.Fatalf("receipt: %q, %v, %v; want chat %s", id, found, err, applied.Session.ID)
	}
	if at.Before(before.Add(-time.Millisecond)) || at.After(after.Add(time.Millisecond)) {
		t.Errorf("stored at %s, want within the apply call, %s to %s", at, before, after)
	}
}
