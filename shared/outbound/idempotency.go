package outbound

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/store"
)

// Remembrance stores the answer given to each Idempotency-Key under the record id Once
// gives it.
type Remembrance interface {
	// ClaimIdempotencyKey creates record id as r, unless it exists: then it returns the
	// record found and creates nothing.
	ClaimIdempotencyKey(ctx context.Context, id string, r store.Remembered) (*store.Remembered, error)
	// FinishIdempotent stores the answer on record id.
	FinishIdempotent(ctx context.Context, id string, status int, body []byte) error
	// ForgetIdempotent deletes record id, freeing its key.
	ForgetIdempotent(ctx context.Context, id string) error
}

// KeyTTL is how long an Idempotency-Key is remembered.
const KeyTTL = 24 * time.Hour

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

// keyRecordID is the id of the record of a caller's Idempotency-Key: one per caller and
// key, whatever the route, so that the key sent to another route is found and refused.
func keyRecordID(caller, key string) string {
	sum := sha256.Sum256([]byte(caller + "\x00" + key))
	return hex.EncodeToString(sum[:])
}

// Answer is the answer to an API request, kept as the caller received it: Once stores
// Status and Body as given and gives them back to a retry, without reading them.
type Answer struct {
	Status   int
	Body     []byte
	Replayed bool // the answer given to an earlier identical request
	// Retry marks an answer that is not final (a failure of ours, not a refusal): it is not
	// remembered, so a retry with the same key tries again.
	Retry bool
}

// Once answers a request at most once per Idempotency-Key: the same request again gets the
// first answer back, the key with another request (or on another route) is refused
// (KeyReused), and the key of a request still being answered is refused too (InProgress).
// answer gets the id the request's texts are stored under (fixed by the key, so a retry finds
// them; fresh without a key) and the request's fingerprint. An answer marked Retry is not
// remembered.
func (s *Service) Once(ctx context.Context, r Remembrance, caller, route, key string, raw []byte, answer func(id, fingerprint string) Answer) (Answer, error) {
	fp, err := Fingerprint(route, raw)
	if err != nil {
		return Answer{}, refuse(Invalid, "invalid_json", "%s", err)
	}
	if key == "" {
		return answer(randomID(), fp), nil
	}
	rec := keyRecordID(caller, key)
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	prev, err := r.ClaimIdempotencyKey(ctx, rec, store.Remembered{RequestHash: fp, At: now, ExpireAt: now.Add(KeyTTL)})
	switch {
	case err != nil:
		return Answer{}, fmt.Errorf("idempotency key: %w", err)
	case prev != nil && prev.RequestHash != fp:
		return Answer{}, refuse(KeyReused, "idempotency_key_reused", "idempotency key was used with a different request; use a new key for a new request")
	case prev != nil && !prev.Done:
		return Answer{}, refuse(InProgress, "in_progress", "a request with this idempotency key is in progress; retry shortly")
	case prev != nil:
		return Answer{Status: prev.Status, Body: prev.Body, Replayed: true}, nil
	}
	a := answer(requestID(caller, route, key), fp)
	// The answer stands whatever happens to the record: stored, a retry finds the key in
	// progress until the record expires; forgotten, a retry tries again.
	ctx = context.WithoutCancel(ctx)
	if a.Retry {
		err = r.ForgetIdempotent(ctx, rec)
	} else {
		err = r.FinishIdempotent(ctx, rec, a.Status, a.Body)
	}
	if err != nil {
		s.Log.Error("idempotent answer not stored", "caller", caller, "err", err)
	}
	return a, nil
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
