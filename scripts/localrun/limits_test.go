package localrun_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOversizedRequestsAreRefused: every HTTP function refuses a body over 1 MiB (the agent
// API, which takes replies with attachments, over 8 MiB) with 413 and headers over 32 KiB
// with 431, each with a JSON error saying what is too large, before any handler reads them;
// headers over the server's 64 KiB never reach a function.
func TestOversizedRequestsAreRefused(t *testing.T) {
	paths := []string{"/inbound", "/inboundfallback", "/status", "/voice", "/agent/chats/x/messages",
		"/console/signin", "/admin/config", "/outbound/messages", "/expiry", "/sweeper"}
	for _, p := range paths {
		limit := 1 << 20
		if strings.HasPrefix(p, "/agent/") {
			limit = 8 << 20
		}
		resp := do(t, http.MethodPost, p, bytes.NewReader(bytes.Repeat([]byte("a"), limit+1)), nil)
		wantLimit(t, resp, fmt.Sprintf("%s with a body of %d bytes", p, limit+1), http.StatusRequestEntityTooLarge, "body_too_large")
		resp = do(t, http.MethodPost, p, strings.NewReader("{}"), map[string]string{"X-Pad": strings.Repeat("b", 40<<10)})
		wantLimit(t, resp, p+" with a 40 KiB header", http.StatusRequestHeaderFieldsTooLarge, "headers_too_large")
	}
	resp := do(t, http.MethodGet, "/agent/me", nil, map[string]string{"X-Pad": strings.Repeat("b", 100<<10)})
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 100 KiB header = %d, want 431 from the server", resp.StatusCode)
	}
	// A reply with 3 MB of attachments is within the agent API's bound: the API itself answers.
	resp = do(t, http.MethodPost, "/agent/chats/x/messages", bytes.NewReader(bytes.Repeat([]byte("a"), 3<<20)), nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a 3 MiB reply without a token = %d, want 401 from the agent API", resp.StatusCode)
	}
	// A request just under the limits still goes through to the function.
	resp = do(t, http.MethodGet, "/agent/me", nil, map[string]string{"X-Pad": strings.Repeat("b", 16<<10)})
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /agent/me without a token and a 16 KiB header = %d, want 401 from the agent API", resp.StatusCode)
	}
}

// TestSlowClientIsDropped: a client that never finishes its request headers is disconnected
// after the server's read-header timeout instead of holding a connection for ever.
func TestSlowClientIsDropped(t *testing.T) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(runner.BaseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /agent/me HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	conn.SetReadDeadline(start.Add(30 * time.Second))
	_, err = io.ReadAll(conn)
	took := time.Since(start)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server still held a client with unfinished headers after %s", took.Round(time.Second))
	}
	if took < 5*time.Second {
		t.Errorf("dropped after %s, before the 10 s read-header timeout", took)
	}
}

func do(t *testing.T, method, path string, body io.Reader, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, runner.BaseURL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

func wantLimit(t *testing.T, resp *http.Response, what string, status int, code string) {
	t.Helper()
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code, Message string }
	}
	err := json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != status || err != nil || e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("%s = %d %+v (%v), want %d with error code %s", what, resp.StatusCode, e, err, status, code)
	}
}
