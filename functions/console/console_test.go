package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/functions/console"
	"github.com/smsdesk/smsdesk/shared/agent"
)

// signedOut is an Auth that knows nobody, and one agent with CSRF token "good".
type signedOut struct{ agent *agent.Agent }

func (signedOut) SignIn(context.Context, string, string) (console.Session, error) {
	return console.Session{}, console.ErrBadCredentials
}
func (signedOut) SignInWithToken(context.Context, string) (console.Session, error) {
	return console.Session{}, console.ErrBadCredentials
}
func (s signedOut) Authenticate(context.Context, *http.Request) (agent.Agent, console.Session, error) {
	if s.agent == nil {
		return agent.Agent{}, console.Session{}, console.ErrSignedOut
	}
	return *s.agent, console.Session{ID: "s1", AgentID: s.agent.ID, CSRF: "good"}, nil
}
func (signedOut) SignOut(context.Context, console.Session) error { return nil }

func handler(a *agent.Agent) *console.Handler {
	return console.New(console.Options{
		Auth:         signedOut{agent: a},
		MediaOrigins: []string{"https://storage.googleapis.com"},
		Log:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

func TestPagesSendTheContentSecurityPolicy(t *testing.T) {
	srv := httptest.NewServer(handler(nil))
	defer srv.Close()
	for _, path := range []string{"/console/signin", "/signin", "/console/static/app.js", "/console/nowhere"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https://storage.googleapis.com data:; " +
			"media-src 'self' https://storage.googleapis.com; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
		if got := resp.Header.Get("Content-Security-Policy"); got != want {
			t.Errorf("%s: Content-Security-Policy = %q, want %q", path, got, want)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
	}
}

func TestSignedOutPagesGoToSignIn(t *testing.T) {
	srv := httptest.NewServer(handler(nil))
	defer srv.Close()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(srv.URL + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
		t.Errorf("GET /console/ signed out = %d to %q, want 303 to /console/signin", resp.StatusCode, resp.Header.Get("Location"))
	}
	req, _ := http.NewRequest("GET", srv.URL+"/console/fragments/inbox", nil)
	req.Header.Set("HX-Request", "true")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("HX-Redirect") != "/console/signin" {
		t.Errorf("htmx request signed out = %d, HX-Redirect %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
	}
}

func TestSignInWithWrongCredentialsSaysSo(t *testing.T) {
	srv := httptest.NewServer(handler(nil))
	defer srv.Close()
	resp, err := http.PostForm(srv.URL+"/console/signin", url.Values{"agent": {"ana"}, "password": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "Unknown agent or wrong password") {
		t.Errorf("wrong password = %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/console/signin", strings.NewReader("token=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in posted from another site = %d, want 403", resp.StatusCode)
	}
}

// A POST without the session's CSRF token is refused before anything is done: the handler
// has no desk, so reaching it would panic.
func TestPostWithoutCSRFTokenIsRefused(t *testing.T) {
	srv := httptest.NewServer(handler(&agent.Agent{ID: "ana", Name: "Ana"}))
	defer srv.Close()
	for _, path := range []string{"/console/status", "/console/chats/C1/reply", "/console/chats/C1/end", "/console/signout"} {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader("status=available&body=hi"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", "forged")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with a forged CSRF token = %d, want 403", path, resp.StatusCode)
		}
	}
}

// The vendored libraries are the pinned packages' files: the manifest's hashes, and when
// web/node_modules is there (scripts/vendor.sh ran), the files themselves.
func TestVendoredLibrariesAreThePinnedPackages(t *testing.T) {
	raw, err := os.ReadFile("static/vendor/MANIFEST")
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{"htmx.min.js": "htmx.org/dist/htmx.min.js", "sse.min.js": "htmx-ext-sse/dist/sse.min.js",
		"uPlot.iife.min.js": "uplot/dist/uPlot.iife.min.js", "uPlot.min.css": "uplot/dist/uPlot.min.css"}
	lock, _ := os.ReadFile("../../web/package-lock.json")
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != len(sources) {
		t.Fatalf("manifest lists %d files, want %d", len(lines), len(sources))
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 {
			t.Fatalf("manifest line %q: want file, package@version, sha256", l)
		}
		data, err := os.ReadFile(filepath.Join("static/vendor", f[0]))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != f[2] {
			t.Errorf("%s changed since scripts/vendor.sh copied it (sha256 %x, manifest %s)", f[0], sum, f[2])
		}
		pkg, version, _ := strings.Cut(f[1], "@")
		if !strings.Contains(string(lock), `"node_modules/`+pkg+`": {`+"\n"+`      "version": "`+version+`"`) {
			t.Errorf("%s: web/package-lock.json does not pin %s at %s", f[0], pkg, version)
		}
		src, err := os.ReadFile(filepath.Join("../../web/node_modules", sources[f[0]]))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if string(src) != string(data) {
			t.Errorf("%s differs from web/node_modules/%s: run scripts/vendor.sh", f[0], sources[f[0]])
		}
	}
}
