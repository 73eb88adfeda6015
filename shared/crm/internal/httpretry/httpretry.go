// Package httpretry sends an HTTP request to a CRM with bounded retries and exponential
// backoff: network errors, 429 (honouring Retry-After) and 5xx are retried; other 4xx are
// permanent and wrap crm.ErrPermanent.
package httpretry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/smsdesk/smsdesk/shared/crm"
)

// Policy bounds the retries. Its zero value means 5 attempts, 500ms first backoff, 30s longest
// wait.
type Policy struct {
	Attempts int           // attempts in all, the first included
	Base     time.Duration // wait before the second attempt; doubled after each failure
	Max      time.Duration // longest wait between attempts, Retry-After included
}

func (p Policy) withDefaults() Policy {
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	if p.Base <= 0 {
		p.Base = 500 * time.Millisecond
	}
	if p.Max <= 0 {
		p.Max = 30 * time.Second
	}
	return p
}

// StatusError is a response the CRM answered with a status that is not 2xx.
type StatusError struct {
	Method, URL string
	Status      int
	Body        string // the start of the response body
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %s", e.Method, e.URL, e.Status, e.Body)
}

// Retryable reports whether the status is worth another attempt.
func Retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// Do sends method url with body and header, retrying as p says. It returns the status and body
// of the first 2xx response, or of a non-2xx response in accept (which the caller treats as an
// answer, not a failure). Other 4xx return a *StatusError wrapping crm.ErrPermanent; when the
// attempts run out, the last failure. ctx bounds all attempts and waits.
func Do(ctx context.Context, client *http.Client, p Policy, method, url string, header http.Header, body []byte, accept ...int) (int, []byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	p = p.withDefaults()
	wait := p.Base
	var last error
	for attempt := 1; ; attempt++ {
		status, respBody, retryAfter, err := once(ctx, client, method, url, header, body)
		switch {
		case err == nil && (status/100 == 2 || contains(accept, status)):
			return status, respBody, nil
		case err != nil:
			if ctx.Err() != nil {
				return 0, nil, fmt.Errorf("%s %s: %w", method, url, ctx.Err())
			}
			last = fmt.Errorf("%s %s: %w", method, url, err)
		case !Retryable(status):
			return status, respBody, fmt.Errorf("%w: %w", crm.ErrPermanent, &StatusError{method, url, status, snippet(respBody)})
		default:
			last = &StatusError{method, url, status, snippet(respBody)}
		}
		if attempt >= p.Attempts {
			return 0, nil, fmt.Errorf("gave up after %d attempts: %w", attempt, last)
		}
		d := jitter(wait)
		if retryAfter > 0 {
			d = retryAfter
		}
		d = min(d, p.Max)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return 0, nil, fmt.Errorf("deadline before the next attempt in %v: %w", d, last)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, nil, fmt.Errorf("%w while waiting to retry: %w", ctx.Err(), last)
		case <-t.C:
		}
		wait = min(wait*2, p.Max)
	}
}

func once(ctx context.Context, client *http.Client, method, url string, header http.Header, body []byte) (status int, respBody []byte, retryAfter time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, 0, fmt.Errorf("%w: %w", crm.ErrPermanent, err)
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	defer resp.Body.Close()
	respBody, err = io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, nil, 0, fmt.Errorf("read response: %w", err)
	}
	return resp.StatusCode, respBody, parseRetryAfter(resp.Header.Get("Retry-After")), nil
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// jitter spreads d over [d/2, d) so that many retrying callers do not beat in step.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

func snippet(b []byte) string {
	const n = 300
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
