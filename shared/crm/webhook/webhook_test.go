package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/crm/webhook"
)

const secret = "s3cret"

// receiver is a webhook receiver that checks signatures and answers with the next status of
// its script (then 200).
type receiver struct {
	t *testing.T

	mu       sync.Mutex
	script   []int
	events   map[string]webhook.Payload // by X-Smsdesk-Event-Id
	attempts int
	gotEvent []string // event ids of every event request, repeats included
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		rv.t.Errorf("%s %s with Content-Type %q; want a JSON POST", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	if !webhook.Verify(secret, body, r.Header.Get(webhook.SignatureHeader)) {
		rv.t.Errorf("%s: bad signature %q", r.URL.Path, r.Header.Get(webhook.SignatureHeader))
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	rv.attempts++
	if len(rv.script) > 0 {
		st := rv.script[0]
		rv.script = rv.script[1:]
		if st == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		if st != http.StatusOK {
			http.Error(w, http.StatusText(st), st)
			return
		}
	}
	switch r.URL.Path {
	case "/hook/contacts/search":
		var q struct{ Phone string }
		json.Unmarshal(body, &q)
		var cs []webhook.ContactJSON
		if q.Phone == "+15551234567" {
			cs = append(cs, webhook.ContactJSON{ID: "c1", Phone: q.Phone, Name: "Ada"})
		}
		json.NewEncoder(w).Encode(map[string]any{"contacts": cs})
	case "/hook/contacts":
		var c webhook.ContactJSON
		json.Unmarshal(body, &c)
		c.ID = "c2"
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(c)
	case "/hook":
		id := r.Header.Get(webhook.EventIDHeader)
		rv.gotEvent = append(rv.gotEvent, id)
		var p webhook.Payload
		if err := json.Unmarshal(body, &p); err != nil || p.ID != id {
			rv.t.Errorf("event body %s (%v) does not carry the id %q of its header", body, err, id)
		}
		rv.events[id] = p
	default:
		http.NotFound(w, r)
	}
}

func setup(t *testing.T, script ...int) (*receiver, *webhook.Client) {
	rv := &receiver{t: t, script: script, events: map[string]webhook.Payload{}}
	srv := httptest.NewServer(rv)
	t.Cleanup(srv.Close)
	c := webhook.New(srv.URL+"/hook/", secret)
	c.Retry = webhook.Retry{Attempts: 4, Base: time.Millisecond, Max: 50 * time.Millisecond}
	return rv, c
}

var event = crm.Event{
	ID: "ev-1", ChatID: "chat-1", Phone: "+15551234567", Type: crm.EventTranscript,
	Language: "en", Queue: "billing", At: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	Transcript: []crm.Line{{Author: crm.AuthorConsumer, Body: "hi"}, {Author: crm.AuthorAgent, Body: "hello"}},
}

func TestPostIsSigned(t *testing.T) {
	rv, c := setup(t)
	if err := c.Post(context.Background(), "c1", event); err != nil {
		t.Fatalf("Post: %v", err)
	}
	p := rv.events["ev-1"]
	if p.ContactID != "c1" || p.ChatID != "chat-1" || p.Type != crm.EventTranscript || p.Queue != "billing" ||
		p.Language != "en" || len(p.Transcript) != 2 || p.Transcript[1].Author != "agent" || !p.At.Equal(event.At) {
		t.Errorf("received %+v", p)
	}
}

func TestSignature(t *testing.T) {
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published test vector.
	const want = "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if got := webhook.Sign("key", []byte("The quick brown fox jumps over the lazy dog")); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	if webhook.Verify("other", []byte("x"), webhook.Sign("key", []byte("x"))) {
		t.Error("Verify accepted a signature made with another secret")
	}
}

func TestRetriesAfter503And429(t *testing.T) {
	rv, c := setup(t, http.StatusServiceUnavailable, http.StatusTooManyRequests)
	if err := c.Post(context.Background(), "c1", event); err != nil {
		t.Fatalf("Post: %v", err)
	}
	if rv.attempts != 3 || len(rv.gotEvent) != 1 {
		t.Errorf("%d attempts, %d delivered; want 3 attempts, the third delivered", rv.attempts, len(rv.gotEvent))
	}
}

func TestPermanent400(t *testing.T) {
	rv, c := setup(t, http.StatusBadRequest)
	err := c.Post(context.Background(), "c1", event)
	if !errors.Is(err, crm.ErrPermanent) {
		t.Fatalf("Post answered 400 = %v; want ErrPermanent", err)
	}
	if rv.attempts != 1 {
		t.Errorf("%d attempts for a 400; want 1", rv.attempts)
	}
}

func TestGivesUpRetryable(t *testing.T) {
	rv, c := setup(t, 500, 502, 503, 504, 500)
	err := c.Post(context.Background(), "c1", event)
	if err == nil || errors.Is(err, crm.ErrPermanent) {
		t.Fatalf("Post with the receiver down = %v; want a retryable error", err)
	}
	if rv.attempts != 4 {
		t.Errorf("%d attempts, want 4 (the policy's bound)", rv.attempts)
	}
}

func TestRespectsContext(t *testing.T) {
	_, c := setup(t, 503, 503, 503, 503)
	c.Retry = webhook.Retry{Attempts: 10, Base: time.Second, Max: time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := c.Post(ctx, "c1", event); err == nil {
		t.Fatal("Post succeeded against a failing receiver")
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("Post took %v past its 100ms context", d)
	}
}

func TestLedgerStopsRepeats(t *testing.T) {
	rv, c := setup(t)
	c.Ledger = &crm.MemoryLedger{}
	for range 2 {
		if err := c.Post(context.Background(), "c1", event); err != nil {
			t.Fatal(err)
		}
	}
	if len(rv.gotEvent) != 1 {
		t.Errorf("event sent %d times, want once", len(rv.gotEvent))
	}
}

func TestContacts(t *testing.T) {
	_, c := setup(t)
	ctx := context.Background()
	found, err := c.FindContacts(ctx, "+15551234567")
	if err != nil || len(found) != 1 || found[0].ID != "c1" || found[0].Name != "Ada" {
		t.Fatalf("FindContacts = %+v, %v", found, err)
	}
	r, err := crm.Resolve(ctx, c, "+15557654321", "Grace")
	if err != nil || r.Contact == nil || r.Contact.ID != "c2" || r.Contact.Name != "Grace" || !r.Created {
		t.Fatalf("Resolve of a new number = %+v, %v; want contact c2 created", r, err)
	}
}
