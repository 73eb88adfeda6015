package localrun_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/consoleauth"
	"github.com/smsdesk/smsdesk/shared/session"
)

// consoleAuth is console sign-in over the runner's store, as the console function builds it.
func consoleAuth() *consoleauth.Service {
	return &consoleauth.Service{Sessions: runner.Store, Agents: runner.Store}
}

// withSessionCookie is a console request from a browser holding the session's cookie.
func withSessionCookie(sess consoleauth.Session) *http.Request {
	r := httptest.NewRequest("GET", "http://127.0.0.1/console/", nil)
	r.AddCookie(&http.Cookie{Name: consoleauth.CookieName, Value: sess.ID})
	return r
}

// rawAdminConfig is GET /admin/config's body as sent.
func rawAdminConfig(t *testing.T, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, runner.BaseURL+"/admin/config", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestAdminSetsAPasswordAndTheAgentSignsIn: an admin gives an agent a console password over
// the admin API; the agent signs in with it (the wrong one is refused), the password shows
// nowhere; the admin disables the agent and their open session and API token stop at once.
func TestAdminSetsAPasswordAndTheAgentSignsIn(t *testing.T) {
	ctx := testCtx(t)
	p := newFixture(t).Prefix
	boss, zoe := p+"-boss", p+"-zoe"
	loadCatalog(t, config.Catalog{Agents: []config.Agent{{ID: boss, Name: "Boss", Role: "admin", Token: "token-" + boss}}})
	admin := "token-" + boss
	put := func(body map[string]any, wantCode int, wantMsg string) {
		t.Helper()
		code, e := adminCall(t, admin, "PUT", "/agents/"+zoe, body)
		if code != wantCode || !strings.Contains(e.Error.Message, wantMsg) {
			t.Fatalf("PUT /admin/agents/%s = %d %q, want %d %q", zoe, code, e.Error.Message, wantCode, wantMsg)
		}
	}
	zoeAgent := map[string]any{"name": "Zoe", "queues": []string{p + "-tech"}, "token": "token-" + zoe, "password": "short"}
	put(zoeAgent, 400, "password needs at least 12 characters")
	zoeAgent["password"] = "zoe-console-password"
	put(zoeAgent, 200, "")

	auth := consoleAuth()
	if _, err := auth.SignIn(ctx, zoe, "zoe-console-passwore"); !errors.Is(err, consoleauth.ErrBadCredentials) {
		t.Errorf("the wrong password: %v, want ErrBadCredentials", err)
	}
	sess, err := auth.SignIn(ctx, zoe, "zoe-console-password")
	if err != nil {
		t.Fatalf("sign in with the password the admin set: %v", err)
	}
	if a, _, err := auth.Authenticate(ctx, withSessionCookie(sess)); err != nil || a.ID != zoe {
		t.Fatalf("Authenticate = %s, %v; want %s", a.ID, err, zoe)
	}
	shown := rawAdminConfig(t, admin)
	for _, secret := range []string{"zoe-console-password", "passwordHash", "argon2id", "token-" + zoe} {
		if strings.Contains(shown, secret) {
			t.Errorf("GET /admin/config shows %q", secret)
		}
	}

	// A change without a password keeps it; disabling stops everything at once.
	delete(zoeAgent, "password")
	delete(zoeAgent, "token")
	zoeAgent["disabled"] = true
	put(zoeAgent, 200, "")
	if _, _, err := auth.Authenticate(ctx, withSessionCookie(sess)); !errors.Is(err, consoleauth.ErrSignedOut) {
		t.Errorf("the disabled agent's open session: %v, want ErrSignedOut", err)
	}
	var e apiError
	if code := api(t, "token-"+zoe, "GET", "/me", nil, &e); code != http.StatusUnauthorized || e.Error.Message != "agent disabled" {
		t.Errorf("the disabled agent's API token: %d %+v, want 401 agent disabled", code, e)
	}
	if _, err := auth.SignIn(ctx, zoe, "zoe-console-password"); !errors.Is(err, consoleauth.ErrBadCredentials) {
		t.Errorf("a disabled agent signs in: %v", err)
	}
	if !strings.Contains(rawAdminConfig(t, admin), `"disabled":true`) {
		t.Error("GET /admin/config does not show the agent disabled")
	}

	// Enabled again, the kept password works; signing out ends the session.
	delete(zoeAgent, "disabled")
	put(zoeAgent, 200, "")
	sess, err = auth.SignIn(ctx, zoe, "zoe-console-password")
	if err != nil {
		t.Fatalf("sign in after enabling, with the kept password: %v", err)
	}
	if err := auth.SignOut(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if _, _, err := auth.Authenticate(ctx, withSessionCookie(sess)); !errors.Is(err, consoleauth.ErrSignedOut) {
		t.Errorf("after sign-out: %v, want ErrSignedOut", err)
	}
}

// TestExampleAgentsSignInWithTheirPasswords: the README's first steps sign in as ana.
func TestExampleAgentsSignInWithTheirPasswords(t *testing.T) {
	for _, id := range []string{"ana", "luis", "iris", "max"} {
		if _, err := consoleAuth().SignIn(testCtx(t), id, id+"-dev-password"); err != nil {
			t.Errorf("sign in as %s with %s-dev-password: %v", id, id, err)
		}
	}
}

// TestDisabledAgentGetsNoChats: an agent disabled while available is given no chat; the chat
// waits, and goes to them once they are enabled and available again.
func TestDisabledAgentGetsNoChats(t *testing.T) {
	ctx := testCtx(t)
	f := newFixture(t)
	boss := f.Prefix + "-boss"
	loadCatalog(t, config.Catalog{Agents: []config.Agent{{ID: boss, Name: "Boss", Role: "admin", Token: "token-" + boss}}})
	api(t, f.Tokens["ana"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	ana := map[string]any{"name": "Ana", "queues": []string{f.Prefix + "-billing", f.Prefix + "-tech"}, "capacity": 2, "languages": []string{"en"}, "disabled": true}
	if code, e := adminCall(t, "token-"+boss, "PUT", "/agents/"+f.Prefix+"-ana", ana); code != http.StatusOK {
		t.Fatalf("disable ana: %d %+v", code, e)
	}
	phone := consumerPhone()
	queueForTech(t, ctx, f, phone)
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	id := activeSession(t, ctx, f.Number, phone)
	if s, err := runner.Store.Session(ctx, id); err != nil || s.State != session.Queued || s.AgentID != "" {
		t.Fatalf("chat = %s with %q, %v; want it waiting: the only available agent is disabled", s.State, s.AgentID, err)
	}
	delete(ana, "disabled")
	if code, e := adminCall(t, "token-"+boss, "PUT", "/agents/"+f.Prefix+"-ana", ana); code != http.StatusOK {
		t.Fatalf("enable ana: %d %+v", code, e)
	}
	api(t, f.Tokens["ana"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	got := waitChats(t, ctx, f.Tokens["ana"], func(cs []chatJSON) bool { return len(cs) == 1 })
	if got[0].ID != id {
		t.Errorf("ana got chat %s, want the waiting %s", got[0].ID, id)
	}
}
