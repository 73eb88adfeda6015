package consoleauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSetCookieAttributes(t *testing.T) {
	sess := Session{ID: strings.Repeat("a", 43), Expires: time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)}
	for host, secure := range map[string]bool{
		"console.example.com":               true,
		"europe-west1-p.cloudfunctions.net": true,
		"localhost:8080":                    false,
		"127.0.0.1:8080":                    false,
		"[::1]:8080":                        false,
		"localhost":                         false,
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/console/signin", nil)
		r.Host = host
		SetCookie(w, r, sess)
		set := w.Header().Get("Set-Cookie")
		for _, want := range []string{CookieName + "=" + sess.ID, "Path=/", "HttpOnly", "SameSite=Strict", "Expires=Tue, 01 Dec 2026 21:00:00 GMT"} {
			if !strings.Contains(set, want) {
				t.Errorf("%s: Set-Cookie %q lacks %q", host, set, want)
			}
		}
		if strings.Contains(set, "Secure") != secure {
			t.Errorf("%s: Set-Cookie %q, want Secure %v", host, set, secure)
		}
	}
}

func TestClearCookie(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "https://console.example.com/console/signout", nil)
	ClearCookie(w, r)
	c := w.Result().Cookies()
	if len(c) != 1 || c[0].Name != CookieName || c[0].Value != "" || c[0].MaxAge >= 0 || !c[0].Secure || !c[0].HttpOnly {
		t.Errorf("cookies = %+v, want %s emptied and expired", c, CookieName)
	}
}

func TestCheckCSRF(t *testing.T) {
	sess := Session{ID: strings.Repeat("a", 43), CSRF: "the-csrf-token-of-this-session-0123456789ab"}
	req := func(mod func(r *http.Request)) *http.Request {
		r := httptest.NewRequest("POST", "https://console.example.com/console/chats/C1/end", nil)
		mod(r)
		return r
	}
	form := func(v string) *http.Request {
		r := httptest.NewRequest("POST", "https://console.example.com/console/signout", strings.NewReader(url.Values{"csrf": {v}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	for name, c := range map[string]struct {
		r    *http.Request
		want bool
	}{
		"header":     {req(func(r *http.Request) { r.Header.Set(CSRFHeader, sess.CSRF) }), true},
		"form field": {form(sess.CSRF), true},
		"same origin": {req(func(r *http.Request) {
			r.Header.Set(CSRFHeader, sess.CSRF)
			r.Header.Set("Origin", "https://console.example.com")
		}), true},
		"same-origin fetch": {req(func(r *http.Request) {
			r.Header.Set(CSRFHeader, sess.CSRF)
			r.Header.Set("Sec-Fetch-Site", "same-origin")
		}), true},
		"missing":          {req(func(r *http.Request) {}), false},
		"wrong header":     {req(func(r *http.Request) { r.Header.Set(CSRFHeader, sess.CSRF+"x") }), false},
		"wrong form field": {form("nope"), false},
		"cross-site fetch": {req(func(r *http.Request) {
			r.Header.Set(CSRFHeader, sess.CSRF)
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		}), false},
		"other origin": {req(func(r *http.Request) {
			r.Header.Set(CSRFHeader, sess.CSRF)
			r.Header.Set("Origin", "https://evil.example")
		}), false},
		"null origin": {req(func(r *http.Request) { r.Header.Set(CSRFHeader, sess.CSRF); r.Header.Set("Origin", "null") }), false},
	} {
		if got := CheckCSRF(sess, c.r); got != c.want {
			t.Errorf("%s: CheckCSRF = %v, want %v", name, got, c.want)
		}
	}
	if CheckCSRF(Session{}, req(func(r *http.Request) { r.Header.Set(CSRFHeader, "") })) {
		t.Error("a session without a CSRF token accepts an empty one")
	}
}
