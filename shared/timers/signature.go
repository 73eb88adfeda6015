package timers

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Headers of a timer delivery.
const (
	// SignatureHeader carries Sign(secret, body) of the exact request body.
	SignatureHeader = "X-Smsdesk-Timer-Signature"
	// TaskNameHeader and QueueNameHeader are set by Cloud Tasks on every HTTP task delivery
	// (and by Local, which imitates it); they hold the short task id and queue id.
	TaskNameHeader  = "X-CloudTasks-TaskName"
	QueueNameHeader = "X-CloudTasks-QueueName"
	// RetryCountHeader, ExecutionCountHeader and ETAHeader are further Cloud Tasks headers,
	// informative only.
	RetryCountHeader     = "X-CloudTasks-TaskRetryCount"
	ExecutionCountHeader = "X-CloudTasks-TaskExecutionCount"
	ETAHeader            = "X-CloudTasks-TaskETA"
)

// maxBody bounds what Verify reads: a timer's JSON is a few hundred bytes.
const maxBody = 64 << 10

var (
	// ErrUnauthenticated reports a delivery that is not a timer this deployment scheduled: no
	// task header, no or a bad signature. A handler answers 403.
	ErrUnauthenticated = errors.New("timer delivery not authenticated")
	// ErrMalformed reports a delivery whose signature is valid but whose body is not a timer.
	// A handler answers 400.
	ErrMalformed = errors.New("timer delivery malformed")
)

// Sign is the signature of body under secret: the standard base64 of its HMAC-SHA256.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify authenticates a timer delivery and decodes its Timer. It requires the
// X-CloudTasks-TaskName header and an X-Smsdesk-Timer-Signature that is Sign(secret, body) of the
// exact body; failing that, or with an empty secret, the error wraps ErrUnauthenticated. A signed
// body that is not a timer (bad JSON, no session id or kind) gives an error wrapping ErrMalformed.
// Verify reads the body and leaves r.Body readable again with the same bytes.
//
// A valid delivery may be a repeat (Cloud Tasks delivers at least once): the caller acts only if
// the chat's deadline of the timer's kind is still its Due.
func Verify(r *http.Request, secret []byte) (Timer, error) {
	if len(secret) == 0 {
		return Timer{}, fmt.Errorf("%w: no timer secret configured", ErrUnauthenticated)
	}
	task := r.Header.Get(TaskNameHeader)
	if task == "" {
		return Timer{}, fmt.Errorf("%w: no %s header", ErrUnauthenticated, TaskNameHeader)
	}
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		return Timer{}, fmt.Errorf("%w: task %s: no %s header", ErrUnauthenticated, task, SignatureHeader)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return Timer{}, fmt.Errorf("%w: task %s: signature is not base64", ErrUnauthenticated, task)
	}
	if r.Body == nil {
		return Timer{}, fmt.Errorf("%w: task %s: no body", ErrUnauthenticated, task)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return Timer{}, fmt.Errorf("task %s: read body: %w", task, err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) > maxBody {
		return Timer{}, fmt.Errorf("%w: task %s: body over %d bytes", ErrUnauthenticated, task, maxBody)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return Timer{}, fmt.Errorf("%w: task %s: signature does not match body", ErrUnauthenticated, task)
	}
	var t Timer
	if err := json.Unmarshal(body, &t); err != nil {
		return Timer{}, fmt.Errorf("%w: task %s: %w", ErrMalformed, task, err)
	}
	if t.SessionID == "" || t.Kind == "" {
		return Timer{}, fmt.Errorf("%w: task %s: no session id or kind", ErrMalformed, task)
	}
	return t, nil
}

// encode is the body and signature of a delivery of t.
func encode(secret []byte, t Timer) (body []byte, sig string, err error) {
	body, err = json.Marshal(t)
	if err != nil {
		return nil, "", fmt.Errorf("encode timer %s: %w", Name(t), err)
	}
	return body, Sign(secret, body), nil
}
