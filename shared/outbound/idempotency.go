package outbound

import (
	"bytes"
	"context"
	"crypto/rand"
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

// requestID is the id a keyed request's texts are stored under.
func requestID(caller, route, key string) string {
	sum := sha256.Sum256([]byte(caller + "\x00" + route + "\x00" + key))
	return hex.EncodeToString(sum[:12])
}

// Answer is the HTTP answer to an API request.
type Answer struct {
	Status   int
	Body     []byte
	Replayed bool // the answer given to an earlier identical request
}

// Once answers a request at most once per Idempotency-Key: the same request again gets the
// first answer back, and the key with another request is refused. answer gets the id the
// request's texts are stored under (fixed by the key, so a retry finds them; fresh without a
// key) and the request's fingerprint. An answer of 5xx is not remembered, so a retry tries
// again.
func (s *Service) Once(ctx context.Context, r Remembrance, caller, route, key string, raw []byte, answer func(id, fingerprint string) Answer) (Answer, error) {
	fp, err := Fingerprint(route, raw)
	if err != nil {
		return Answer{}, refuse(400, "invalid_json", "%s", err)
	}
	if key == "" {
		return answer(randomID(), fp), nil
	}
	prev, err := r.BeginIdempotent(ctx, caller, key, fp)
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
	a := answer(requestID(caller, route, key), fp)
	if err := r.FinishIdempotent(context.WithoutCancel(ctx), caller, key, a.Status, a.Body); err != nil {
		// The answer stands; a retry finds the key in progress until the record expires.
		s.Log.Error("idempotent answer not stored", "caller", caller, "err", err)
	}
	return a, nil
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
