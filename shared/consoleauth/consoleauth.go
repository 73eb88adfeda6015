// Package consoleauth signs agents in to the browser console: with their agent id and password,
// with their API token, or, where Identity-Aware Proxy fronts the console, with IAP's signed
// header. A sign-in is a session kept in Firestore and carried by an HttpOnly, SameSite=Strict
// cookie; every change the browser asks for must also carry the session's CSRF token. The
// agent is read again on every request, so disabling an agent ends their sessions at once.
//
// The console builds one Service over the store:
//
//	auth := &consoleauth.Service{Sessions: st, Agents: st, IAP: consoleauth.NewIAP(env.IAPAudience)}
package consoleauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/password"
	"github.com/smsdesk/smsdesk/shared/store"
)

// ErrBadCredentials refuses a sign-in: unknown agent, wrong password or token, or a disabled
// agent, with one message so that nobody learns which.
var ErrBadCredentials = errors.New("unknown agent or wrong password")

// ErrSignedOut refuses a request: no session, an unknown, expired or signed-out one, an IAP
// header that does not verify or names nobody, or an agent disabled since signing in.
var ErrSignedOut = errors.New("not signed in")

// DefaultTTL is how long a session lasts when Service.TTL is 0: a working day and some.
const DefaultTTL = 12 * time.Hour

// Session is a signed-in agent's session.
type Session struct {
	ID      string // the cookie value: 32 random bytes, base64url; stored only as its SHA-256
	AgentID string
	CSRF    string // what every change must carry (CheckCSRF)
	Expires time.Time
}

// SessionStore keeps sessions by their cookie value (hashed by the store).
type SessionStore interface {
	CreateConsoleSession(ctx context.Context, id string, cs store.ConsoleSession) error
	// ConsoleSession answers store.ErrNotFound for a session that does not exist.
	ConsoleSession(ctx context.Context, id string) (store.ConsoleSession, error)
	DeleteConsoleSession(ctx context.Context, id string) error
}

// AgentStore reads agents; each lookup answers store.ErrNotFound for nobody, and AgentByToken
// agent.ErrDisabled for a disabled agent's token.
type AgentStore interface {
	Agent(ctx context.Context, id string) (agent.Agent, error)
	AgentByToken(ctx context.Context, token string) (agent.Agent, error)
	AgentByEmail(ctx context.Context, email string) (agent.Agent, error)
}

// Service signs agents in and out and authenticates the console's requests.
type Service struct {
	Sessions SessionStore
	Agents   AgentStore
	IAP      *IAP          // nil when IAP sign-in is off
	TTL      time.Duration // 0: DefaultTTL
	Now      func() time.Time

	// checking bounds the password checks running at once: each takes 19 MiB, and a burst of
	// sign-in attempts must not take the instance's memory.
	checkingOnce sync.Once
	checking     chan struct{}
}

// maxChecks is how many password checks one instance runs at once.
const maxChecks = 4

// verify checks pw against hash, waiting for a free slot (or ctx's end).
func (s *Service) verify(ctx context.Context, pw, hash string) (bool, error) {
	s.checkingOnce.Do(func() { s.checking = make(chan struct{}, maxChecks) })
	select {
	case s.checking <- struct{}{}:
	case <-ctx.Done():
		return false, fmt.Errorf("check password: %w", ctx.Err())
	}
	defer func() { <-s.checking }()
	return password.Verify(pw, hash), nil
}

// noPasswordHash is checked when there is no real hash to check (an unknown agent, one with
// no password), so that a refusal takes as long as a wrong password and tells nothing.
const noPasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$UOPa0T+K+/pwFzLmMfQpOQ$CDNiUmyGM4vI4F9/Uj5q2i3RoV/jcDQrVLPcPrS+do8"

// SignIn checks an agent's id and password and opens a session.
func (s *Service) SignIn(ctx context.Context, agentID, pw string) (Session, error) {
	if agentID == "" || pw == "" || len(pw) > config.MaxPasswordBytes || !store.ValidID(agentID) {
		return Session{}, ErrBadCredentials
	}
	a, err := s.Agents.Agent(ctx, agentID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Session{}, fmt.Errorf("sign in %s: %w", agentID, err)
	}
	hash := a.PasswordHash
	if err != nil || hash == "" {
		hash = noPasswordHash
	}
	ok, err := s.verify(ctx, pw, hash)
	if err != nil {
		return Session{}, err
	}
	if !ok || hash == noPasswordHash || a.Disabled {
		return Session{}, ErrBadCredentials
	}
	return s.open(ctx, agentID)
}

// SignInWithToken opens a session for the agent whose API token this is.
func (s *Service) SignInWithToken(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 1024 {
		return Session{}, ErrBadCredentials
	}
	a, err := s.Agents.AgentByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, agent.ErrDisabled) {
		return Session{}, ErrBadCredentials
	}
	if err != nil {
		return Session{}, fmt.Errorf("sign in with token: %w", err)
	}
	if a.Disabled {
		return Session{}, ErrBadCredentials
	}
	return s.open(ctx, a.ID)
}

// Authenticate finds who sent r: the session its cookie names, or, with IAP on, the agent
// IAP's verified header names. For IAP it reuses the cookie's session when it is that agent's,
// else opens one, so that CSRF checks work alike; the caller sets that session's cookie
// (SetCookie) when it is not the request's. Every call reads the agent again: a disabled or
// removed agent is ErrSignedOut at once.
func (s *Service) Authenticate(ctx context.Context, r *http.Request) (agent.Agent, Session, error) {
	if s.IAP != nil && r.Header.Get(IAPHeader) != "" {
		return s.authenticateIAP(ctx, r)
	}
	sess, err := s.cookieSession(ctx, r)
	if err != nil {
		return agent.Agent{}, Session{}, err
	}
	a, err := s.activeAgent(ctx, sess.AgentID)
	if err != nil {
		return agent.Agent{}, Session{}, err
	}
	return a, sess, nil
}

func (s *Service) authenticateIAP(ctx context.Context, r *http.Request) (agent.Agent, Session, error) {
	email, err := s.IAP.Email(ctx, r.Header.Get(IAPHeader))
	if err != nil {
		return agent.Agent{}, Session{}, fmt.Errorf("%w: %w", ErrSignedOut, err)
	}
	a, err := s.Agents.AgentByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return agent.Agent{}, Session{}, fmt.Errorf("%w: no agent has the email IAP signed in", ErrSignedOut)
	}
	if err != nil {
		return agent.Agent{}, Session{}, fmt.Errorf("agent by IAP email: %w", err)
	}
	if a.Disabled {
		return agent.Agent{}, Session{}, fmt.Errorf("%w: agent %s: %w", ErrSignedOut, a.ID, agent.ErrDisabled)
	}
	sess, err := s.cookieSession(ctx, r)
	switch {
	case err == nil && sess.AgentID == a.ID:
		return a, sess, nil
	case err != nil && !errors.Is(err, ErrSignedOut):
		return agent.Agent{}, Session{}, err
	}
	sess, err = s.open(ctx, a.ID)
	return a, sess, err
}

// SignOut ends the session; signing out twice is no error.
func (s *Service) SignOut(ctx context.Context, sess Session) error {
	if !validSessionID(sess.ID) {
		return nil
	}
	if err := s.Sessions.DeleteConsoleSession(ctx, sess.ID); err != nil {
		return fmt.Errorf("sign out agent %s: %w", sess.AgentID, err)
	}
	return nil
}

// cookieSession is the live session the request's cookie names.
func (s *Service) cookieSession(ctx context.Context, r *http.Request) (Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || !validSessionID(c.Value) {
		return Session{}, ErrSignedOut
	}
	cs, err := s.Sessions.ConsoleSession(ctx, c.Value)
	if errors.Is(err, store.ErrNotFound) {
		return Session{}, ErrSignedOut
	}
	if err != nil {
		return Session{}, fmt.Errorf("read console session: %w", err)
	}
	if !s.now().Before(cs.ExpiresAt) {
		return Session{}, fmt.Errorf("%w: the session expired at %s", ErrSignedOut, cs.ExpiresAt.Format(time.RFC3339))
	}
	return Session{ID: c.Value, AgentID: cs.AgentID, CSRF: cs.CSRF, Expires: cs.ExpiresAt}, nil
}

// activeAgent reads the agent a session belongs to, refusing one removed or disabled.
func (s *Service) activeAgent(ctx context.Context, id string) (agent.Agent, error) {
	a, err := s.Agents.Agent(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return agent.Agent{}, fmt.Errorf("%w: agent %s is no longer configured", ErrSignedOut, id)
	}
	if err != nil {
		return agent.Agent{}, fmt.Errorf("read agent %s: %w", id, err)
	}
	if a.Disabled {
		return agent.Agent{}, fmt.Errorf("%w: agent %s: %w", ErrSignedOut, id, agent.ErrDisabled)
	}
	return a, nil
}

// open stores a new session for the agent.
func (s *Service) open(ctx context.Context, agentID string) (Session, error) {
	now := s.now()
	ttl := s.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	sess := Session{ID: randomToken(), AgentID: agentID, CSRF: randomToken(), Expires: now.Add(ttl)}
	err := s.Sessions.CreateConsoleSession(ctx, sess.ID, store.ConsoleSession{
		AgentID: agentID, CSRF: sess.CSRF, CreatedAt: now, ExpiresAt: sess.Expires,
	})
	if err != nil {
		return Session{}, fmt.Errorf("open a session for agent %s: %w", agentID, err)
	}
	return sess, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// randomToken is 32 random bytes, base64url without padding (43 characters).
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// validSessionID reports whether v has the shape of a session id, so that nothing else (a
// huge or odd cookie) reaches the database.
func validSessionID(v string) bool {
	if len(v) != 43 {
		return false
	}
	return strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}
