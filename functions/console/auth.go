package console

import (
	"context"
	"net/http"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/consoleauth"
	"github.com/smsdesk/smsdesk/shared/live"
)

// The console leaves signing in (shared/consoleauth) and the live feed (shared/live) to the
// packages that own them; these are the shapes it uses of them.

// Session is a signed-in agent's console session (shared/consoleauth).
type Session = consoleauth.Session

// Errors an Auth reports.
var (
	ErrBadCredentials = consoleauth.ErrBadCredentials
	ErrSignedOut      = consoleauth.ErrSignedOut
)

// Auth signs agents in and out and tells who sends a request (*consoleauth.Service).
type Auth interface {
	SignIn(ctx context.Context, agentID, password string) (Session, error)
	SignInWithToken(ctx context.Context, token string) (Session, error)
	// Authenticate finds the session of the request's cookie (or IAP's header) and its agent,
	// as stored now: a disabled agent is signed out.
	Authenticate(ctx context.Context, r *http.Request) (agent.Agent, Session, error)
	SignOut(ctx context.Context, s Session) error
}

// Change is a chat or an agent as changed (shared/live).
type Change = live.Change

// Stream pushes changes to a browser as server-sent events, those filter lets through,
// encoded by encode; an event "reset" tells the browser to reload its view (*live.Hub).
type Stream interface {
	ServeSSE(w http.ResponseWriter, r *http.Request, filter func(Change) bool, encode func(Change) (event string, data []byte))
}
