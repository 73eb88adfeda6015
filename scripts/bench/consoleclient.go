package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// consoleUser is one person's browser on the console: their own cookie jar, the CSRF token
// the page carries (hx-headers), and the requests the pages make.
type consoleUser struct {
	base   string // http://host:port/console
	origin string
	client *http.Client // no timeout: it also holds the event stream; requests take a context's
	csrf   string
}

// csrfInPage finds the token htmx sends with every change: hx-headers='{"X-CSRF-Token": "…"}'.
var csrfInPage = regexp.MustCompile(`"X-CSRF-Token":\s*"([^"]+)"`)

// newConsoleUser prepares a browser for the console at base over transport t.
func newConsoleUser(base string, t http.RoundTripper) (*consoleUser, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("console url %q: %w", base, err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	return &consoleUser{base: base, origin: u.Scheme + "://" + u.Host, client: &http.Client{Transport: t, Jar: jar}}, nil
}

// signIn does what the sign-in page does: GET it, POST the form from it (the browser's Origin
// and Sec-Fetch-Site go with it), follow the redirect to the inbox, and keep the CSRF token
// of the page it lands on.
func (c *consoleUser) signIn(ctx context.Context, agentID, password string) error {
	if _, err := c.page(ctx, "/signin"); err != nil {
		return err
	}
	form := url.Values{"agent": {agentID}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/signin", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	body, err := c.do(req, http.StatusOK)
	if err != nil {
		return fmt.Errorf("sign in as %s: %w", agentID, err)
	}
	m := csrfInPage.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `id="inbox"`) {
		return fmt.Errorf("sign in as %s: landed on a page with no inbox or no CSRF token: %.300s", agentID, body)
	}
	c.csrf = m[1]
	return nil
}

// page GETs a page or fragment of the console, as htmx does for a fragment.
func (c *consoleUser) page(ctx context.Context, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(path, "/fragments/") {
		req.Header.Set("HX-Request", "true")
	}
	return c.do(req, http.StatusOK)
}

// setStatus picks a status in the top bar: htmx posts the form with the page's CSRF header.
func (c *consoleUser) setStatus(ctx context.Context, status string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/status", strings.NewReader(url.Values{"status": {status}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", c.csrf)
	req.Header.Set("Origin", c.origin)
	body, err := c.do(req, http.StatusOK)
	if err != nil {
		return fmt.Errorf("console status %s: %w", status, err)
	}
	if !strings.Contains(body, "status-"+status) {
		return fmt.Errorf("console status %s: the top bar shows no status-%s: %.300s", status, status, body)
	}
	return nil
}

func (c *consoleUser) do(req *http.Request, want int) (string, error) {
	resp, err := c.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("%s %s: read: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != want {
		return "", fmt.Errorf("%s %s: %s: %.300s", req.Method, req.URL.Path, resp.Status, raw)
	}
	return string(raw), nil
}

// sseEvent is one server-sent event as it arrived.
type sseEvent struct {
	kind, data string
	at         time.Time
}

// consoleStream is an open /console/events: every event it got, by kind and data.
type consoleStream struct {
	mu     sync.Mutex
	events []sseEvent
	ready  chan struct{}
	more   chan struct{} // closed and replaced on every event
	// onEvent, when set before the stream opens, sees each event as it arrives.
	onEvent func(sseEvent)
}

// openEvents holds the console's event stream open as the page's EventSource does (path is
// /events or /events?monitor=1) until ctx ends.
func (c *consoleUser) openEvents(ctx context.Context, path string, onEvent func(sseEvent)) (*consoleStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("console %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		return nil, fmt.Errorf("console %s: %s (%s), want an event stream", path, resp.Status, resp.Header.Get("Content-Type"))
	}
	s := &consoleStream{ready: make(chan struct{}), more: make(chan struct{}), onEvent: onEvent}
	go s.read(resp.Body)
	return s, nil
}

func (s *consoleStream) read(body io.ReadCloser) {
	defer body.Close()
	sc := bufio.NewScanner(body)
	var kind, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			kind = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		case line == "" && kind != "":
			e := sseEvent{kind: kind, data: data, at: time.Now()}
			if s.onEvent != nil {
				s.onEvent(e)
			}
			s.mu.Lock()
			s.events = append(s.events, e)
			close(s.more)
			s.more = make(chan struct{})
			s.mu.Unlock()
			if kind == "ready" {
				close(s.ready)
			}
			kind, data = "", ""
		}
	}
}

// first returns the first event of kind about data that arrived at or after from, waiting
// for it until ctx ends.
func (s *consoleStream) first(ctx context.Context, kind, data string, from time.Time) (time.Time, error) {
	for {
		s.mu.Lock()
		for _, e := range s.events {
			if e.kind == kind && e.data == data && !e.at.Before(from) {
				s.mu.Unlock()
				return e.at, nil
			}
		}
		more := s.more
		s.mu.Unlock()
		select {
		case <-more:
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("no %q event for %s on the console stream: %w", kind, data, ctx.Err())
		}
	}
}

// count is how many events of kind the stream got.
func (s *consoleStream) count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.events {
		if e.kind == kind {
			n++
		}
	}
	return n
}
