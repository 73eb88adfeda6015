package consoleauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// withCookie is a console request carrying the session's cookie.
func withCookie(method, target string, sess Session) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.AddCookie(&http.Cookie{Name: CookieName, Value: sess.ID})
	return r
}

func TestSignInWithPasswordThenAuthenticateThenSignOut(t *testing.T) {
	ctx := context.Background()
	s, sessions, _ := newService()
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return t0 }
	sess, err := s.SignIn(ctx, "ana", "ana-dev-password")
	if err != nil {
		t.Fatalf("SignIn with the right password = %v", err)
	}
	if sess.AgentID != "ana" || len(sess.ID) != 43 || len(sess.CSRF) != 43 || sess.ID == sess.CSRF {
		t.Errorf("session = %+v, want ana's with a 43-character id and a different CSRF token", sess)
	}
	if !sess.Expires.Equal(t0.Add(12 * time.Hour)) {
		t.Errorf("expires %v, want 12 h after sign-in by default", sess.Expires)
	}
	a, got, err := s.Authenticate(ctx, withCookie("GET", "https://console.example.com/", sess))
	if err != nil || a.ID != "ana" || got.CSRF != sess.CSRF {
		t.Fatalf("Authenticate = %s, %+v, %v; want ana's session", a.ID, got, err)
	}
	if err := s.SignOut(ctx, got); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(ctx, withCookie("GET", "https://console.example.com/", sess)); !errors.Is(err, ErrSignedOut) {
		t.Errorf("after sign-out Authenticate = %v, want ErrSignedOut", err)
	}
	if sessions.count() != 0 {
		t.Errorf("%d sessions left after sign-out", sessions.count())
	}
	if err := s.SignOut(ctx, got); err != nil {
		t.Errorf("signing out twice = %v", err)
	}
}

func TestSignInRefusesWithOneMessage(t *testing.T) {
	ctx := context.Background()
	s, sessions, agents := newService()
	agents.m["bea"] = agents.m["ana"]
	bea := agents.m["bea"]
	bea.ID, bea.Disabled = "bea", true
	agents.m["bea"] = bea
	for name, c := range map[string]struct{ id, pw string }{
		"wrong password":           {"ana", "ana-dev-passwore"},
		"empty password":           {"ana", ""},
		"password over 256 bytes":  {"ana", strings.Repeat("a", 257)},
		"unknown agent":            {"nobody", "ana-dev-password"},
		"agent without a password": {"luis", "ana-dev-password"},
		"disabled agent":           {"bea", "ana-dev-password"},
		"id that names no doc":     {"../ana", "ana-dev-password"},
		"the placeholder password": {"luis", "no agent has this password; it only spends the time a check takes"},
	} {
		_, err := s.SignIn(ctx, c.id, c.pw)
		if !errors.Is(err, ErrBadCredentials) || err.Error() != ErrBadCredentials.Error() {
			t.Errorf("%s: SignIn = %v, want exactly ErrBadCredentials", name, err)
		}
	}
	if sessions.count() != 0 {
		t.Errorf("refused sign-ins left %d sessions", sessions.count())
	}
}

func TestSignInWithToken(t *testing.T) {
	ctx := context.Background()
	s, _, agents := newService()
	sess, err := s.SignInWithToken(ctx, "luis-dev-token")
	if err != nil || sess.AgentID != "luis" {
		t.Fatalf("SignInWithToken = %+v, %v; want luis's session", sess, err)
	}
	if _, err := s.SignInWithToken(ctx, "nobody-token"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("unknown token: %v", err)
	}
	agents.disable("luis")
	if _, err := s.SignInWithToken(ctx, "luis-dev-token"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("disabled agent's token: %v, want ErrBadCredentials", err)
	}
}

func TestDisabledAgentsSessionStopsAtOnce(t *testing.T) {
	ctx := context.Background()
	s, _, agents := newService()
	sess, err := s.SignIn(ctx, "ana", "ana-dev-password")
	if err != nil {
		t.Fatal(err)
	}
	agents.disable("ana")
	if _, _, err := s.Authenticate(ctx, withCookie("GET", "/", sess)); !errors.Is(err, ErrSignedOut) {
		t.Errorf("a disabled agent's session: Authenticate = %v, want ErrSignedOut", err)
	}
	delete(agents.m, "ana")
	if _, _, err := s.Authenticate(ctx, withCookie("GET", "/", sess)); !errors.Is(err, ErrSignedOut) {
		t.Errorf("a removed agent's session: Authenticate = %v, want ErrSignedOut", err)
	}
}

func TestSessionsExpireAndOddCookiesNameNothing(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	s.TTL = time.Hour
	sess, err := s.SignIn(ctx, "ana", "ana-dev-password")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(59 * time.Minute)
	if _, _, err := s.Authenticate(ctx, withCookie("GET", "/", sess)); err != nil {
		t.Fatalf("before its hour: %v", err)
	}
	now = now.Add(time.Minute)
	if _, _, err := s.Authenticate(ctx, withCookie("GET", "/", sess)); !errors.Is(err, ErrSignedOut) {
		t.Errorf("after its hour: Authenticate = %v, want ErrSignedOut", err)
	}
	for _, v := range []string{"", "short", strings.Repeat("a", 44), strings.Repeat("/", 43)} {
		if _, _, err := s.Authenticate(ctx, withCookie("GET", "/", Session{ID: v})); !errors.Is(err, ErrSignedOut) {
			t.Errorf("cookie %q: %v, want ErrSignedOut", v, err)
		}
	}
	if _, _, err := s.Authenticate(ctx, httptest.NewRequest("GET", "/", nil)); !errors.Is(err, ErrSignedOut) {
		t.Errorf("no cookie: %v, want ErrSignedOut", err)
	}
}
