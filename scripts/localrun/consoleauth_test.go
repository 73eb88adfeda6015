package localrun_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"

	"github.com/smsdesk/smsdesk/functions/console"
	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/store"
)

// tokenSessions is a test stand-in for the console's sign-in: agent tokens only, sessions
// in memory, the cookie smsdesk_session.
type tokenSessions struct {
	mu       sync.Mutex
	sessions map[string]console.Session
}

const sessionCookie = "smsdesk_session"

func (a *tokenSessions) SignIn(context.Context, string, string) (console.Session, error) {
	return console.Session{}, console.ErrBadCredentials
}

func (a *tokenSessions) SignInWithToken(ctx context.Context, token string) (console.Session, error) {
	ag, err := runner.Store.AgentByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return console.Session{}, console.ErrBadCredentials
	}
	if err != nil {
		return console.Session{}, err
	}
	s := console.Session{ID: randomHex(), AgentID: ag.ID, CSRF: randomHex()}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sessions == nil {
		a.sessions = map[string]console.Session{}
	}
	a.sessions[s.ID] = s
	return s, nil
}

func (a *tokenSessions) Authenticate(ctx context.Context, r *http.Request) (agent.Agent, console.Session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return agent.Agent{}, console.Session{}, console.ErrSignedOut
	}
	a.mu.Lock()
	s, ok := a.sessions[c.Value]
	a.mu.Unlock()
	if !ok {
		return agent.Agent{}, console.Session{}, console.ErrSignedOut
	}
	ag, err := runner.Store.Agent(ctx, s.AgentID)
	if err != nil {
		return agent.Agent{}, console.Session{}, console.ErrSignedOut
	}
	ag.ID = s.AgentID
	return ag, s, nil
}

func (a *tokenSessions) SignOut(_ context.Context, s console.Session) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, s.ID)
	return nil
}

var testCookies = console.Cookies{
	CheckCSRF: func(s console.Session, r *http.Request) bool {
		return r.Header.Get("X-CSRF-Token") == s.CSRF || r.PostFormValue("csrf") == s.CSRF
	},
	Set: func(w http.ResponseWriter, _ *http.Request, s console.Session) {
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.ID, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	},
	Clear: func(w http.ResponseWriter, _ *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1})
	},
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
