package outbound

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/smsdesk/smsdesk/shared/store"
)

// Remembrance stores the answer given to each (caller, Idempotency-Key).
type Remembrance interface {
	BeginIdempotent(ctx context.Context, caller, key, requestHash string) (*store.Remembered, error)
	FinishIdempotent(ctx context.Context, caller, key string, status int, body []byte) error
}

// Fingerprint identifies a request by its route and its content as parsed JSON, so the same
// request sent again with other whitespace or key order is a retry, and the same body sent to
// another route is another request. raw must be one JSON value.
func Fingerprint(route string, raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers compare as written, not as rounded floats
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("request body is not JSON: %w", err)
	}
	canon, err := json.Marshal(v) // object keys come out sorted
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append([]byte(route+"\x00"), canon...))
	return hex.EncodeToString(sum[:]), nil
}

// RequestID is the id a keyed request's texts are stored under, so a retry finds them.
func RequestID(caller, route, key string) string {
	sum := sha256.Sum256([]byte(caller + "\x00" + route + "\x00" + key))
	return hex.EncodeToString(sum[:12])
}

// Answer is the HTTP answer to an API request.
type Answer struct {
	Status   int
	Body     []byte
	Replayed bool // the answer given to an earlier identical request
}

// Once answers a request carrying an Idempotency-Key at most once: the same request again
// gets the first answer back, and the key with another request is refused. An answer of 0 or
// 5xx is not remembered, so a retry tries again.
func (s *Service) Once(ctx context.Context, r Remembrance, caller, key, fingerprint string, answer func() Answer) (Answer, error) {
	prev, err := r.BeginIdempotent(ctx, caller, key, fingerprint)
	switch {
	case errors.Is(err, store.ErrKeyReused):
		return Answer{}, refuse(422, "idempotency_key_reused", "%s; use a new key for a new request", err)
	case errors.Is(err, store.ErrInProgress):
		return Answer{}, refuse(409, "in_progress", "%s; retry shortly", err)
	case err != nil:
		return Answer{}, err
	case prev != nil:
		return Answer{Status: prev.Status, Body: prev.Body, Replayed: true}, nil
	}
	a := answer()
	if err := r.FinishIdempotent(context.WithoutCancel(ctx), caller, key, a.Status, a.Body); err != nil {
		// The answer stands; a retry finds the key in progress until it expires.
		s.Log.Error("idempotent answer not stored", "caller", caller, "err", err)
	}
	return a, nil
}
