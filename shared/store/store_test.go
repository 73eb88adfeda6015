package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/option"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/internal/emulatortest"
	"github.com/smsdesk/smsdesk/shared/session"
)

// newTestStore is a store on a project of its own in the Firestore emulator, with three
// numbers: two of brand Shop (opt-outs brand-wide) and one of Shop whose opt-outs stay with it.
func newTestStore(t *testing.T) (*Store, context.Context) {
	t.Helper()
	return newTestStoreOn(t, fmt.Sprintf("store-test-%d", time.Now().UnixNano()))
}

// newTestStoreOn is newTestStore on the given project, with the client options given.
func newTestStoreOn(t *testing.T, project string, opts ...option.ClientOption) (*Store, context.Context) {
	t.Helper()
	emulatortest.Firestore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	fs, err := firestore.NewClient(ctx, project, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	s := New(fs)
	number := func(n, scope string) config.Number {
		return config.Number{Number: n, LineOfBusiness: "shop", EntryQueue: "root", DefaultLanguage: "en", Brand: "Shop", OptOutScope: scope}
	}
	err = s.LoadCatalog(ctx, config.Catalog{
		Numbers: []config.Number{number("+18005550100", ""), number("+18005550101", ""), number("+18005550102", "number")},
		Queues:  []config.Queue{{ID: "root", Name: "Root", LineOfBusiness: "shop"}},
		Agents:  []config.Agent{{ID: "ana", Name: "Ana", Queues: []string{"root"}, Token: "t"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, ctx
}

// TestAnOptOutLearnedFromTheCarrierReachesTheBrand: the carrier's 21610 on one number opts the
// consumer out of every number of the brand, but not of a number whose opt-outs are its own.
func TestAnOptOutLearnedFromTheCarrierReachesTheBrand(t *testing.T) {
	s, ctx := newTestStore(t)
	const phone = "+15551230001"
	if err := s.MarkOptedOut(ctx, "+18005550100", phone, "carrier error 21610"); err != nil {
		t.Fatal(err)
	}
	for number, want := range map[string]bool{"+18005550100": true, "+18005550101": true, "+18005550102": false} {
		c, err := s.Consumer(ctx, number, phone)
		if err != nil {
			t.Fatal(err)
		}
		if c.OptedOut != want {
			t.Errorf("on %s: opted out %v, want %v (%+v)", number, c.OptedOut, want, c)
		}
	}
	c, _ := s.Consumer(ctx, "+18005550101", phone)
	if c.OptOutSource != "carrier error 21610 on +18005550100" {
		t.Errorf("brand-wide source %q; want the carrier's error on the first number", c.OptOutSource)
	}
}

// TestMessageChangesAreNotLostUnderContention: parallel changes of one message each apply once
// (none is written over by another read before it), and a change's follow-ups are stored
// with it for the relay.
func TestMessageChangesAreNotLostUnderContention(t *testing.T) {
	s, ctx := newTestStore(t)
	const path = "consumers/+18005550100_+15551230001/messages/N1"
	if _, err := s.fs.Doc(path).Set(ctx, session.Entry{Body: "Your order shipped.", Business: "+18005550100",
		Phone: "+15551230001", Status: session.StatusPending, Notification: true, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := s.UpdateStatus(ctx, path, func(e *session.Entry, _ *followup.Followups) bool {
				e.ErrorCode++ // a counter: a lost update would show as a smaller count
				return true
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	due := time.Now().Add(time.Hour).Truncate(time.Second)
	e, rec, err := s.UpdateStatus(ctx, path, func(e *session.Entry, then *followup.Followups) bool {
		e.Status, e.NotBefore = session.StatusScheduled, due
		then.Timers = append(then.Timers, session.Timer{SessionID: path, Kind: session.TimerSend, Due: due})
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.ErrorCode != n {
		t.Errorf("%d of %d parallel changes kept", e.ErrorCode, n)
	}
	recs, err := s.PendingFollowups(ctx, time.Now().Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Stored || len(recs) != 1 || recs[0].ID != rec.ID || len(recs[0].Timers) != 1 || !recs[0].Timers[0].Due.Equal(due) {
		t.Fatalf("pending follow-ups %+v; want the send timer of %s stored with its change", recs, rec.ID)
	}
}
