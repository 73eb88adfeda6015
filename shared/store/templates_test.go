package store

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

// TestABulkSendReadsItsTemplateOnce: the recipients of a bulk send, filled at once, read
// their template once; a change through the store shows at once, one made by another
// instance within the cache's life, and a template that does not exist is refused.
func TestABulkSendReadsItsTemplateOnce(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	s.ttl = 300 * time.Millisecond
	other := New(s.fs)
	other.ttl = s.ttl
	load := func(st *Store, text string) {
		t.Helper()
		if _, err := st.fs.Collection(colTemplates).Doc("ready_en").Set(ctx, config.Template{ID: "ready", Language: "en", Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	load(s, "Your order is ready.")
	before := m.Snapshot()
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tm, err := s.Template(ctx, "ready", "en"); err != nil || tm.Text != "Your order is ready." {
				t.Errorf("template = %+v, %v", tm, err)
			}
		}()
	}
	wg.Wait()
	if got := m.Snapshot().Sub(before).Reads; got != 1 {
		t.Errorf("50 recipients read their template %d times, want once", got)
	}

	// A change through the store (a catalog load) shows at once.
	if err := s.LoadCatalog(ctx, config.Catalog{
		Numbers:   []config.Number{{Number: "+18005550100", LineOfBusiness: "shop", EntryQueue: "root", DefaultLanguage: "en", Brand: "Shop"}},
		Queues:    []config.Queue{{ID: "root", Name: "Root", LineOfBusiness: "shop"}},
		Templates: []config.Template{{ID: "ready", Language: "en", Text: "Ready for pickup."}},
	}); err != nil {
		t.Fatal(err)
	}
	if tm, err := s.Template(ctx, "ready", "en"); err != nil || tm.Text != "Ready for pickup." {
		t.Errorf("right after a catalog load: %+v, %v", tm, err)
	}

	// Another instance's change shows within the cache's life.
	if _, err := other.Template(ctx, "ready", "en"); err != nil {
		t.Fatal(err)
	}
	load(s, "Come and get it.")
	deadline := time.Now().Add(2 * time.Second)
	for {
		tm, err := other.Template(ctx, "ready", "en")
		if err != nil {
			t.Fatal(err)
		}
		if tm.Text == "Come and get it." {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("another instance still fills %q 2 s after the change (cache life 300 ms)", tm.Text)
		}
		time.Sleep(50 * time.Millisecond)
	}

	for _, id := range []string{"missing", "../numbers", ""} {
		if _, err := s.Template(ctx, id, "en"); !errors.Is(err, ErrNotFound) {
			t.Errorf("template %q: %v, want not found", id, err)
		}
	}
}
