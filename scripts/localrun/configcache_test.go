package localrun_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/configadmin"
)

// configCacheLife is how long an instance keeps a number's configuration (shared/store).
const configCacheLife = 10 * time.Second

// TestConfigurationIsCachedAndChangesTakeEffect: a second text within the cache's life reads
// none of its number's configuration; a change through the admin API shows in the next first
// text, and one made on another instance within the cache's life.
func TestConfigurationIsCachedAndChangesTakeEffect(t *testing.T) {
	ctx := testCtx(t)
	f := newFixture(t)
	p := f.Prefix
	admin := "token-" + p + "-boss"
	loadCatalog(t, config.Catalog{Agents: []config.Agent{{ID: p + "-boss", Name: "Boss", Role: "admin", Token: admin}}})
	number := config.Number{Number: f.Number, LineOfBusiness: p, EntryQueue: p + "-lang", DefaultLanguage: "en", Brand: "Shop " + p, ExitWord: "EXIT", MPS: 100}
	docs := []string{"numbers/" + f.Number, "queues/" + p + "-lang", "queues/" + p + "-en", "queues/" + p + "-billing"}
	meter.Follow(docs...)
	configReads := func() int64 {
		var n int64
		for _, d := range docs {
			n += meter.DocumentReads(d)
		}
		return n
	}

	first := consumerPhone()
	start := time.Now()
	text(t, first, f.Number, "hello")
	expectSMS(t, ctx, first, 1, "Shop "+p+":")
	before := configReads()
	second := consumerPhone()
	text(t, second, f.Number, "hello")
	expectSMS(t, ctx, second, 2, "1 or ENGLISH for English")
	switch got, took := configReads()-before, time.Since(start); {
	case took >= configCacheLife:
		// Only on a machine so loaded that two texts took the cache's whole life.
		t.Logf("two texts took %v, past the cache's life: its reads are not checked", took.Round(time.Millisecond))
	case got != 0:
		t.Errorf("a second text within the cache's life read its number's configuration %d times, want none", got)
	}

	// A change through the admin API: the next first text shows it.
	number.Brand = "Renamed " + p
	if code, e := adminCall(t, admin, "PUT", "/numbers/"+f.Number, number); code != http.StatusOK {
		t.Fatalf("PUT number: %d %s", code, e.Error.Message)
	}
	changed := time.Now()
	if took := brandShows(t, ctx, f.Number, number.Brand); took > configCacheLife {
		t.Errorf("the admin API's change showed after %v, want within %v", took.Round(time.Millisecond), configCacheLife)
	} else {
		t.Logf("admin API change → first text showing it: %v", time.Since(changed).Round(time.Millisecond))
	}

	// A change made on another instance (through the runner's own store): this instance's
	// cache has it within its life.
	number.Brand = "Elsewhere " + p
	if err := (&configadmin.Admin{Store: runner.Store}).PutNumber(ctx, number); err != nil {
		t.Fatal(err)
	}
	// A text reads the configuration when it is applied, after its webhook: allow one text's
	// time (on a loaded machine, seconds) past the cache's life.
	if took := brandShows(t, ctx, f.Number, number.Brand); took > configCacheLife+5*time.Second {
		t.Errorf("the other instance's change showed after %v, want within %v (and the text's own time)", took.Round(time.Millisecond), configCacheLife)
	} else {
		t.Logf("change on another instance → first text showing it: %v", took.Round(time.Millisecond))
	}
}

// brandShows has a new consumer text number every half second until their consent message
// names brand, and returns how long that took.
func brandShows(t *testing.T, ctx context.Context, number, brand string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		phone := consumerPhone()
		sent := time.Now()
		text(t, phone, number, "hello")
		got := expectSMS(t, ctx, phone, 1, "Msg & data rates may apply")
		if strings.HasPrefix(got.Body, brand+":") {
			return sent.Sub(start)
		}
		if time.Since(start) > 3*configCacheLife {
			t.Fatalf("consent still %q %v after the change, want %q", got.Body, time.Since(start).Round(time.Second), brand)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}
