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

// Replier sends an agent's message in a chat they hold (desk.Desk.Send).
type Replier interface {
	Send(ctx context.Context, agentID, sessionID string, m desk.Message, key string) (desk.Replied, error)
}

// InCall lets the agent on a live call text the caller: the call's chat (the wait-time one,
// or one opened by the agent's first text, start type in_call) carries the texts both ways
// and ends with the call.
type InCall struct {
	Calls CallStore
	Chats Chats
	Desk  Replier
	// Attachments keeps the files of the text that opens the call's chat (media.Keeper); nil
	// refuses them.
	Attachments desk.Attachments
	Log         *slog.Logger
}

// ChatID is the chat tied to call sid.
func ChatID(callSID string) string { return "O" + callSID }

// Send texts m (a text, attachments or both) to the caller of call sid as agent agentID and
// returns the call's chat.
func (ic *InCall) Send(ctx context.Context, agentID, callSID string, m desk.Message) (string, error) {
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
	_, err = ic.Desk.Send(ctx, agentID, id, m, "")
	if !errors.Is(err, desk.ErrNotYourChat) {
		return id, err // sent in the call's chat, or refused (ended, invalid)
	}
	var kept []session.Media
	if len(m.Files) > 0 {
		if ic.Attachments == nil {
			return "", fmt.Errorf("%w: attachments need the media bucket (SMSDESK_MEDIA_BUCKET), which this deployment has not", desk.ErrNoMedia)
		}
		if kept, err = ic.Attachments.Keep(ctx, m.Files); err != nil {
			return "", fmt.Errorf("keep the attachments of an in-call text on call %s: %w", callSID, err)
		}
	}
	_, err = ic.Chats.Open(ctx, outbound.Request{ID: callSID, From: call.To, To: call.From, Body: m.Body, Media: kept, Agent: agentID,
		StartType: session.StartInCall, Consent: &session.Consent{Source: "voice call " + callSID + " with agent " + agentID, At: time.Now()}})
	if err != nil {
		return "", err
	}
	ic.Log.Info("in-call text chat opened", "callSid", callSID, "session", id, "agent", agentID)
	return id, nil
}
