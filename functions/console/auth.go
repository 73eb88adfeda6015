package console

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/session"
)

// The console leaves signing in and the live feed to the packages that own them; these are
// the shapes it uses of them.

// Session is a signed-in agent's console session: CSRF is the token every POST carries.
type Session struct {
	ID, AgentID, CSRF string
	Expires           time.Time
}

// Errors an Auth reports.
var (
	ErrBadCredentials = errors.New("unknown agent or wrong password")
	ErrSignedOut      = errors.New("signed out")
)

// Auth signs agents in and out and tells who sends a request.
type Auth interface {
	SignIn(ctx context.Context, agentID, password string) (Session, error)
	SignInWithToken(ctx context.Context, token string) (Session, error)
	// Authenticate finds the session of the request's cookie and its agent, as stored now.
	Authenticate(ctx context.Context, r *http.Request) (agent.Agent, Session, error)
	SignOut(ctx context.Context, s Session) error
}

// Cookies carry the session in the browser and check a POST's CSRF token.
type Cookies struct {
	CheckCSRF func(Session, *http.Request) bool
	Set       func(http.ResponseWriter, *http.Request, Session)
	Clear     func(http.ResponseWriter, *http.Request)
}

// Change is a chat or an agent as changed ("chat" or "agent" in Kind).
type Change struct {
	ID, Kind string
	Chat     session.Session
	Agent    agent.Agent
}

// Stream pushes changes to a browser as server-sent events, those filter lets through,
// encoded by encode; an event "reset" tells the browser to reload its view.
type Stream interface {
	ServeSSE(w http.ResponseWriter, r *http.Request, filter func(Change) bool, encode func(Change) (event string, data []byte))
}
