package firestorecrm_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/crm/firestorecrm"
	"github.com/smsdesk/smsdesk/shared/internal/emulatortest"
	"github.com/smsdesk/smsdesk/shared/metering"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// client is a Firestore client on a project of its own.
func client(t *testing.T) *firestore.Client {
	t.Helper()
	emulatortest.Firestore(t)
	fs, err := firestore.NewClient(context.Background(), fmt.Sprintf("crm-%d", time.Now().UnixNano()))
	if err != nil {
		t.Fatalf("firestore client: %v", err)
	}
	t.Cleanup(func() { fs.Close() })
	return fs
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ev(id, chat, typ, queue string, min int, consumer int) crm.Event {
	return crm.Event{ID: id, ChatID: chat, Phone: "+15551234567", Type: typ, Queue: queue, Language: "en",
		At: t0.Add(time.Duration(min) * time.Minute), ConsumerMessages: consumer}
}

func newContact(t *testing.T, c *firestorecrm.CRM) crm.Contact {
	t.Helper()
	r, err := crm.Resolve(testCtx(t), c, "+1 555 123 4567", "Ada")
	if err != nil || r.Contact == nil {
		t.Fatalf("Resolve = %+v, %v", r, err)
	}
	return *r.Contact
}

func TestContactsAndResolve(t *testing.T) {
	ctx := testCtx(t)
	c := firestorecrm.New(client(t), firestorecrm.Options{})
	r, err := crm.Resolve(ctx, c, "+15551234567", "Ada")
	if err != nil || !r.Created {
		t.Fatalf("Resolve none = %+v, %v", r, err)
	}
	r2, err := crm.Resolve(ctx, c, "+15551234567", "Other")
	if err != nil || r2.Contact == nil || r2.Contact.ID != r.Contact.ID || r2.Created {
		t.Fatalf("Resolve one = %+v, %v; want %s", r2, err, r.Contact.ID)
	}
	if _, err := c.CreateContact(ctx, crm.Contact{Phone: "+15551234567", Name: "Ada's son"}); err != nil {
		t.Fatal(err)
	}
	r3, err := crm.Resolve(ctx, c, "+15551234567", "")
	if err != nil || r3.Contact != nil || len(r3.Ambiguous) != 2 || r3.Ambiguous[0].ID != r.Contact.ID {
		t.Fatalf("Resolve several = %+v, %v", r3, err)
	}
	if err := c.UpdateContact(ctx, crm.Contact{ID: r.Contact.ID, Phone: "+15557654321", Name: "Ada L", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Contact(ctx, r.Contact.ID)
	if err != nil || got.Phone != "+15557654321" || got.Email != "ada@example.com" {
		t.Fatalf("Contact after update = %+v, %v", got, err)
	}
	if _, err := c.Contact(ctx, "nobody"); !errors.Is(err, firestorecrm.ErrNotFound) {
		t.Errorf("Contact(nobody) = %v, want ErrNotFound", err)
	}
	if _, err := c.CreateContact(ctx, crm.Contact{Phone: "garbage"}); !errors.Is(err, crm.ErrPermanent) {
		t.Errorf("CreateContact(garbage) = %v, want ErrPermanent", err)
	}
}

func TestRecordPerChatIdempotent(t *testing.T) {
	ctx := testCtx(t)
	c := firestorecrm.New(client(t), firestorecrm.Options{})
	ct := newContact(t, c)
	transcript := ev("e4", "chat1", crm.EventTranscript, "billing", 4, 0)
	transcript.Transcript = []crm.Line{{Author: crm.AuthorConsumer, Body: "hi", At: t0}, {Author: crm.AuthorAgent, Body: "hello", At: t0}}
	media := ev("e2", "chat1", crm.EventMedia, "billing", 2, 1)
	media.Media = []string{"https://m/1.jpg"}
	events := []crm.Event{
		ev("e1", "chat1", crm.EventChatConnected, "billing", 0, 1), media,
		ev("e3", "chat1", crm.EventChatEnded, "billing", 3, 1), transcript,
	}
	for range 2 { // everything twice: retries write nothing more
		for _, e := range events {
			if err := c.Post(ctx, ct.ID, e); err != nil {
				t.Fatalf("Post %s: %v", e.ID, err)
			}
		}
	}
	if err := c.Post(ctx, ct.ID, ev("f1", "chat2", crm.EventChatConnected, "billing", 10, 1)); err != nil {
		t.Fatal(err)
	}
	recs, err := c.Records(ctx, ct.ID)
	if err != nil || len(recs) != 2 {
		t.Fatalf("Records = %+v, %v; want one per chat", recs, err)
	}
	r1 := recs[1]
	if r1.ID != "chat1" || r1.Queue != "billing" || r1.Language != "en" || r1.Open || !r1.ClosedAt.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("record of chat1 = %+v; want closed at the chat's end", r1)
	}
	evs, err := c.Events(ctx, ct.ID, "chat1")
	if err != nil || len(evs) != 4 {
		t.Fatalf("Events = %+v, %v; want 4", evs, err)
	}
	if evs[1].Media[0] != "https://m/1.jpg" || len(evs[3].Transcript) != 2 || evs[3].Transcript[1].Author != "agent" {
		t.Errorf("events = %+v", evs)
	}
	if !recs[0].Open {
		t.Error("chat2's record is closed")
	}
}

func TestConcurrentPostsWriteOnce(t *testing.T) {
	ctx := testCtx(t)
	c := firestorecrm.New(client(t), firestorecrm.Options{})
	ct := newContact(t, c)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Go(func() {
			errs <- c.Post(ctx, ct.ID, ev(fmt.Sprint("e", i%2), "chat1", crm.EventChatConnected, "billing", i%2, 1))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
	}
	recs, _ := c.Records(ctx, ct.ID)
	evs, err := c.Events(ctx, ct.ID, "chat1")
	if len(recs) != 1 || err != nil || len(evs) != 2 {
		t.Fatalf("%d records, %d events (%v); want 1 and 2", len(recs), len(evs), err)
	}
}

func TestAppendToOpenRecordOfSameLeafQueue(t *testing.T) {
	ctx := testCtx(t)
	c := firestorecrm.New(client(t), firestorecrm.Options{AppendToOpenRecord: true})
	ct := newContact(t, c)
	for _, e := range []crm.Event{
		ev("a1", "chatA", crm.EventChatConnected, "billing", 0, 1),
		ev("a2", "chatA", crm.EventChatEnded, "billing", 1, 1),
		ev("b1", "chatB", crm.EventChatConnected, "billing", 5, 1), // appends to chatA's record
		ev("c1", "chatC", crm.EventChatConnected, "tech", 6, 1),    // another queue: its own
		ev("b2", "chatB", crm.EventChatEnded, "billing", 7, 1),
	} {
		if err := c.Post(ctx, ct.ID, e); err != nil {
			t.Fatalf("Post %s: %v", e.ID, err)
		}
	}
	recs, err := c.Records(ctx, ct.ID)
	if err != nil || len(recs) != 2 {
		t.Fatalf("Records = %+v, %v; want 2", recs, err)
	}
	billing := recs[0]
	if billing.ID != "chatA" || fmt.Sprint(billing.ChatIDs) != "[chatA chatB]" || !billing.Open {
		t.Errorf("billing record = %+v; want chatA and chatB, still open", billing)
	}
	evs, _ := c.Events(ctx, ct.ID, "chatA")
	if len(evs) != 4 {
		t.Errorf("billing record has %d events, want 4", len(evs))
	}

	if err := c.CloseRecord(ctx, ct.ID, "chatA"); err != nil {
		t.Fatal(err)
	}
	if err := c.Post(ctx, ct.ID, ev("d1", "chatD", crm.EventChatConnected, "billing", 9, 1)); err != nil {
		t.Fatal(err)
	}
	recs, _ = c.Records(ctx, ct.ID)
	if len(recs) != 3 || recs[0].ID != "chatD" {
		t.Errorf("after closing, records = %+v; want chatD's own", recs)
	}
}

func TestDelayRecordUntilConsumerMessages(t *testing.T) {
	ctx := testCtx(t)
	c := firestorecrm.New(client(t), firestorecrm.Options{MinConsumerMessages: 3})
	ct := newContact(t, c)
	for _, e := range []crm.Event{
		ev("e1", "chat1", crm.EventChatConnected, "billing", 0, 1),
		ev("e1", "chat1", crm.EventChatConnected, "billing", 0, 1), // a retry
		ev("e2", "chat1", crm.EventMedia, "billing", 1, 2),
	} {
		if err := c.Post(ctx, ct.ID, e); err != nil {
			t.Fatal(err)
		}
	}
	if recs, _ := c.Records(ctx, ct.ID); len(recs) != 0 {
		t.Fatalf("record opened below the threshold: %+v", recs)
	}
	tr := ev("e3", "chat1", crm.EventTranscript, "billing", 2, 0)
	tr.Transcript = []crm.Line{{Author: "consumer", Body: "a"}, {Author: "consumer", Body: "b"}, {Author: "consumer", Body: "c"}}
	if err := c.Post(ctx, ct.ID, tr); err != nil {
		t.Fatal(err)
	}
	if err := c.Post(ctx, ct.ID, ev("e4", "chat1", crm.EventChatEnded, "billing", 3, 3)); err != nil {
		t.Fatal(err)
	}
	recs, _ := c.Records(ctx, ct.ID)
	if len(recs) != 1 {
		t.Fatalf("records = %+v; want 1 once the consumer sent 3", recs)
	}
	evs, err := c.Events(ctx, ct.ID, recs[0].ID)
	if err != nil || len(evs) != 4 || evs[0].ID != "e1" || evs[3].ID != "e4" {
		t.Fatalf("events = %+v, %v; want e1..e4, the held ones included", evs, err)
	}
}

func TestPostRefusals(t *testing.T) {
	ctx := testCtx(t)
	c := firestorecrm.New(client(t), firestorecrm.Options{})
	if err := c.Post(ctx, "nobody", ev("e1", "chat1", crm.EventChatConnected, "q", 0, 1)); !errors.Is(err, crm.ErrPermanent) {
		t.Errorf("Post to a missing contact = %v, want ErrPermanent", err)
	}
	if err := c.Post(ctx, "x", ev("a/b", "chat1", crm.EventChatConnected, "q", 0, 1)); !errors.Is(err, crm.ErrPermanent) {
		t.Errorf("Post with a slash in the event id = %v, want ErrPermanent", err)
	}
}

func TestLedger(t *testing.T) {
	ctx := testCtx(t)
	l := firestorecrm.NewLedger(client(t))
	key := "hubspot/123/chat/1:ev"
	if seen, err := l.Seen(ctx, key); err != nil || seen {
		t.Fatalf("Seen before Mark = %v, %v", seen, err)
	}
	if err := l.Mark(ctx, key); err != nil {
		t.Fatal(err)
	}
	if seen, err := l.Seen(ctx, key); err != nil || !seen {
		t.Fatalf("Seen after Mark = %v, %v", seen, err)
	}
}

// TestAChatsFirstEventReadsOnlyItsLink: a chat's first event reads its (absent) chat link,
// neither the events held under a link that does not exist yet nor the contact (its update
// fails the commit when it is missing); one held below the threshold is still read and
// posted with the chat's record.
func TestAChatsFirstEventReadsOnlyItsLink(t *testing.T) {
	ctx := testCtx(t)
	emulatortest.Firestore(t)
	m := metering.New()
	fs, err := firestore.NewClient(ctx, fmt.Sprintf("crm-cost-%d", time.Now().UnixNano()), m.FirestoreOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	c := firestorecrm.New(fs, firestorecrm.Options{MinConsumerMessages: 2})
	ct := newContact(t, c)

	before := m.Snapshot()
	if err := c.Post(ctx, ct.ID, ev("e0", "chat0", crm.EventChatConnected, "billing", 0, 2)); err != nil {
		t.Fatal(err)
	}
	if got := m.Snapshot().Sub(before).Reads; got != 1 {
		t.Errorf("a chat's first event read %d documents (%v), want 1: its chat link", got, m.ByCollection())
	}
	if recs, _ := c.Records(ctx, ct.ID); len(recs) != 1 {
		t.Fatalf("records = %+v; want chat0's", recs)
	}
	if err := c.Post(ctx, ct.ID, ev("e1", "chat1", crm.EventChatConnected, "billing", 0, 1)); err != nil {
		t.Fatal(err)
	}
	if err := c.Post(ctx, ct.ID, ev("e2", "chat1", crm.EventMedia, "billing", 1, 2)); err != nil {
		t.Fatal(err)
	}
	evs, err := c.Events(ctx, ct.ID, "chat1")
	if err != nil || len(evs) != 2 || evs[0].ID != "e1" {
		t.Fatalf("events of chat1 = %+v, %v; want the held e1, then e2", evs, err)
	}
}
