package consoleauth

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CookieName is the session cookie's name.
const CookieName = "smsdesk_session"

// CSRFHeader carries the session's CSRF token on changes made by scripts; forms send it in
// the field "csrf".
const CSRFHeader = "X-CSRF-Token"

// SetCookie gives the browser the session's cookie: HttpOnly (scripts cannot read it),
// SameSite=Strict (other sites' pages do not send it), Secure except on a local host, whose
// development server speaks plain HTTP.
func SetCookie(w http.ResponseWriter, r *http.Request, sess Session) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: sess.ID, Path: "/", Expires: sess.Expires,
		HttpOnly: true, Secure: !isLocalHost(r.Host), SameSite: http.SameSiteStrictMode,
	})
}

// ClearCookie tells the browser to drop the session cookie (on sign-out).
func ClearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HttpOnly: true, Secure: !isLocalHost(r.Host), SameSite: http.SameSiteStrictMode,
	})
}

// CheckCSRF reports whether a change request comes from the console's own page: it carries
// the session's CSRF token (header X-CSRF-Token or form field "csrf", compared in constant
// time), and the browser does not say it comes from another site (Sec-Fetch-Site cross-site,
// or an Origin that is not the request's host).
func CheckCSRF(sess Session, r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
			return false
		}
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return sess.CSRF != "" && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) == 1
}

// isLocalHost reports whether host (with or without a port) is this machine.
func isLocalHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return strings.EqualFold(host, "localhost") || host == "127.0.0.1" || host == "::1"
}
