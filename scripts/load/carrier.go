package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// phones sees each message the carrier accepts as it is accepted (wrapping the simulator's
// handler), so that a consumer waiting for a reply needs no polling and the latency is the
// carrier's acceptance time.
type phones struct {
	next http.Handler

	mu      sync.Mutex
	got     map[string]map[string]time.Time // phone → body → first accepted
	changed chan struct{}
}

func newPhones(next http.Handler) *phones {
	return &phones{next: next, got: map[string]map[string]time.Time{}, changed: make(chan struct{})}
}

type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *capture) WriteHeader(code int) { c.status = code; c.ResponseWriter.WriteHeader(code) }
func (c *capture) Write(b []byte) (int, error) {
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}

func (p *phones) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Messages.json") {
		p.next.ServeHTTP(w, r)
		return
	}
	c := &capture{ResponseWriter: w, status: http.StatusOK}
	p.next.ServeHTTP(c, r)
	if c.status != http.StatusCreated {
		return
	}
	var m struct{ To, Body string }
	if json.Unmarshal(c.body.Bytes(), &m) != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.got[m.To] == nil {
		p.got[m.To] = map[string]time.Time{}
	}
	if _, seen := p.got[m.To][m.Body]; !seen {
		p.got[m.To][m.Body] = time.Now()
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

// wait returns when phone first got body.
func (p *phones) wait(ctx context.Context, phone, body string) (time.Time, error) {
	for {
		p.mu.Lock()
		at, ok := p.got[phone][body]
		ch := p.changed
		p.mu.Unlock()
		if ok {
			return at, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%s never got %q: %w", phone, body, context.Cause(ctx))
		}
	}
}

// inbox reads what the carrier sent to phone from the simulator's Messages list API (newest
// first, a page of up to 1000), oldest first.
func inbox(ctx context.Context, client *http.Client, simURL, phone string) ([]string, error) {
	u := fmt.Sprintf("%s/%s/Accounts/%s/Messages.json?PageSize=1000&To=%s", simURL, carriersim.APIVersion, accountSID, url.QueryEscape(phone))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(accountSID, authToken)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("list messages to %s: %w", phone, err)
	}
	defer resp.Body.Close()
	var page struct {
		Messages []struct{ Body string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, fmt.Errorf("list messages to %s: %s: %w", phone, resp.Status, err)
	}
	var bodies []string
	for _, m := range page.Messages {
		bodies = append(bodies, m.Body)
	}
	slices.Reverse(bodies)
	return bodies, nil
}
