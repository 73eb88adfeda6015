package voice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/outbound"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// ErrNoActiveCall refuses an in-call text: the call is unknown or has ended.
var ErrNoActiveCall = errors.New("the call is not active")

// ErrNotYourCall refuses an in-call text from an agent other than the one who answered.
var ErrNotYourCall = errors.New("another agent answered the call")

// CallStore reads calls as the carrier reported them.
type CallStore interface {
	CallBySID(ctx context.Context, sid string) (store.Call, error)
}

// Replier sends an agent's text in a chat they hold (desk.Desk.Reply).
type Replier interface {
	Reply(ctx context.Context, agentID, sessionID, body, key string) (desk.Replied, error)
}

// InCall lets the agent on a live call text the caller: the call's chat (the wait-time one,
// or one opened by the agent's first text, start type in_call) carries the texts both ways
// and ends with the call.
type InCall struct {
	Calls CallStore
	Chats Chats
	Desk  Replier
	Log   *slog.Logger
}

// ChatID is the chat tied to call sid.
func ChatID(callSID string) string { return "O" + callSID }

// Send texts body to the caller of call sid as agent agentID and returns the call's chat.
func (ic *InCall) Send(ctx context.Context, agentID, callSID, body string) (string, error) {
	if !carrier.ValidCallSID(callSID) {
		return "", fmt.Errorf("%w: %q is not a call id", ErrNoActiveCall, callSID)
	}
	call, err := ic.Calls.CallBySID(ctx, callSID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && call.Ended) {
		return "", fmt.Errorf("%w: call %s", ErrNoActiveCall, callSID)
	}
	if err != nil {
		return "", err
	}
	if call.AgentID != "" && call.AgentID != agentID {
		return "", fmt.Errorf("%w: call %s", ErrNotYourCall, callSID)
	}
	id := ChatID(callSID)
	_, err = ic.Desk.Reply(ctx, agentID, id, body, "")
	if !errors.Is(err, desk.ErrNotYourChat) {
		return id, err // sent in the call's chat, or refused (ended, invalid)
	}
	_, err = ic.Chats.Open(ctx, outbound.Request{ID: callSID, From: call.To, To: call.From, Body: body, Agent: agentID,
		StartType: session.StartInCall, Consent: &session.Consent{Source: "voice call " + callSID + " with agent " + agentID, At: time.Now()}})
	if err != nil {
		return "", err
	}
	ic.Log.Info("in-call text chat opened", "callSid", callSID, "session", id, "agent", agentID)
	return id, nil
}
