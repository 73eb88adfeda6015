package outbound

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/smsdesk/smsdesk/shared/store"
)

func TestFingerprintComparesParsedJSON(t *testing.T) {
	fp := func(route, raw string) string {
		t.Helper()
		s, err := Fingerprint(route, []byte(raw))
		if err != nil {
			t.Fatalf("Fingerprint(%q): %v", raw, err)
		}
		return s
	}
	a := fp("messages", `{"to":"+15551234567","body":"hi","variables":{"a":"1","b":"2"}}`)
	if b := fp("messages", "{ \"variables\": {\"b\": \"2\", \"a\": \"1\"},\n \"body\": \"hi\", \"to\": \"+15551234567\" }"); a != b {
		t.Error("the same request with other spacing and key order has another fingerprint")
	}
	if b := fp("messages", `{"to":"+15551234567","body":"hi!","variables":{"a":"1","b":"2"}}`); a == b {
		t.Error("another body has the same fingerprint")
	}
	if b := fp("sessions", `{"to":"+15551234567","body":"hi","variables":{"a":"1","b":"2"}}`); a == b {
		t.Error("the same body on another route has the same fingerprint")
	}
	if _, err := Fingerprint("messages", []byte(`{"to":`)); err == nil {
		t.Error("malformed JSON accepted")
	}
}

// memRemembrance keeps idempotency records in memory.
type memRemembrance struct{ recs map[string]*store.Remembered }

func (m *memRemembrance) ClaimIdempotencyKey(_ context.Context, id string, r store.Remembered) (*store.Remembered, error) {
	if prev, ok := m.recs[id]; ok {
		cp := *prev
		return &cp, nil
	}
	m.recs[id] = &r
	return nil, nil
}

func (m *memRemembrance) FinishIdempotent(_ context.Context, id string, status int, body []byte) error {
	r := m.recs[id]
	r.Done, r.Status, r.Body = true, status, body
	return nil
}

func (m *memRemembrance) ForgetIdempotent(_ context.Context, id string) error {
	delete(m.recs, id)
	return nil
}

func TestOnceAnswersAKeyOnce(t *testing.T) {
	ctx := context.Background()
	s := &Service{Log: slog.New(slog.DiscardHandler)}
	m := &memRemembrance{recs: map[string]*store.Remembered{}}
	calls := 0
	answer := func(status int, retry bool) func(id, fp string) Answer {
		return func(id, fp string) Answer {
			calls++
			return Answer{Status: status, Body: []byte(id), Retry: retry}
		}
	}
	first, err := s.Once(ctx, m, "key:shop", "messages", "k1", []byte(`{"body":"hi"}`), answer(202, false))
	if err != nil || first.Replayed || calls != 1 {
		t.Fatalf("first request = %+v, %v (%d calls)", first, err, calls)
	}
	again, err := s.Once(ctx, m, "key:shop", "messages", "k1", []byte(`{ "body": "hi" }`), answer(202, false))
	if err != nil || !again.Replayed || again.Status != 202 || string(again.Body) != string(first.Body) || calls != 1 {
		t.Errorf("the same request again = %+v, %v (%d calls); want the first answer replayed", again, err, calls)
	}
	var e *Error
	if _, err := s.Once(ctx, m, "key:shop", "messages", "k1", []byte(`{"body":"other"}`), answer(202, false)); !errors.As(err, &e) || e.Kind != KeyReused {
		t.Errorf("the key with another request = %v, want KeyReused", err)
	}
	if _, err := s.Once(ctx, m, "key:shop", "sessions", "k1", []byte(`{"body":"hi"}`), answer(202, false)); !errors.As(err, &e) || e.Kind != KeyReused {
		t.Errorf("the key on another route = %v, want KeyReused", err)
	}
	// Another caller's key of the same name is theirs.
	if a, err := s.Once(ctx, m, "key:other", "messages", "k1", []byte(`{"body":"hi"}`), answer(202, false)); err != nil || a.Replayed {
		t.Errorf("another caller's key = %+v, %v", a, err)
	}
	// A request still being answered: the key is in progress.
	_, _ = m.ClaimIdempotencyKey(ctx, keyRecordID("key:shop", "k2"), store.Remembered{RequestHash: mustFingerprint(t, "messages", `{"body":"hi"}`)})
	if _, err := s.Once(ctx, m, "key:shop", "messages", "k2", []byte(`{"body":"hi"}`), answer(202, false)); !errors.As(err, &e) || e.Kind != InProgress {
		t.Errorf("a key in progress = %v, want InProgress", err)
	}
	// A failure of ours is not remembered: the retry is answered anew.
	calls = 0
	if a, _ := s.Once(ctx, m, "key:shop", "messages", "k3", []byte(`{"body":"hi"}`), answer(500, true)); a.Status != 500 {
		t.Fatalf("failed answer = %+v", a)
	}
	if a, err := s.Once(ctx, m, "key:shop", "messages", "k3", []byte(`{"body":"hi"}`), answer(202, false)); err != nil || a.Replayed || a.Status != 202 || calls != 2 {
		t.Errorf("retry after a failure = %+v, %v (%d calls); want a new answer", a, err, calls)
	}
	if _, err := s.Once(ctx, m, "key:shop", "messages", "k4", []byte(`{"body":`), answer(202, false)); !errors.As(err, &e) || e.Kind != Invalid {
		t.Errorf("malformed JSON = %v, want Invalid", err)
	}
}

func mustFingerprint(t *testing.T, route, raw string) string {
	t.Helper()
	fp, err := Fingerprint(route, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return fp
}
