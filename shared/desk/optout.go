package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
)

// ErrNoOptOutFlag reports dismissing a possible opt-out request on a chat that has none.
var ErrNoOptOutFlag = session.ErrNoOptOutFlag

// ResolveOptOut settles a possible opt-out request in one of the agent's chats (also after it
// ended): optOut opts the consumer out in one call (one confirmation is sent and the chat
// ends), otherwise the request is dismissed and notifications may reach the consumer again.
func (d *Desk) ResolveOptOut(ctx context.Context, viewer routing.Agent, sessionID string, optOut bool) (Chat, error) {
	agentID := viewer.ID
	s, err := d.Store.Session(ctx, sessionID)
	if err != nil || s.AgentID != agentID {
		return Chat{}, fmt.Errorf("chat %s: %w", ids.Short(sessionID), ErrNotYourChat)
	}
	line, err := d.Store.Line(ctx, s.Business)
	if err != nil {
		return Chat{}, err
	}
	now := time.Now()
	_, rec, err := d.Store.ResolveOptOut(ctx, sessionID, func(c session.Consumer, s session.Session) (session.Outcome, followup.Followups, error) {
		if s.AgentID != agentID {
			return session.Outcome{}, followup.Followups{}, fmt.Errorf("chat %s: %w", ids.Short(sessionID), ErrNotYourChat)
		}
		out, err := session.ResolveOptOut(line, c, s, agentID, optOut, now)
		f := followup.Followups{Timers: out.Timers}
		if out.FreedAgent != "" {
			f.Add(Ended(sessionID, out.FreedAgent))
		}
		return out, f, err
	})
	if errors.Is(err, session.ErrNoOptOutFlag) {
		return Chat{}, fmt.Errorf("%w: chat %s", ErrNoOptOutFlag, ids.Short(sessionID))
	}
	if err != nil {
		return Chat{}, err
	}
	d.Log.Info("possible opt-out resolved", "session", sessionID, "agent", agentID, "optOut", optOut)
	d.Followups.Settle(ctx, rec)
	return d.Chat(ctx, viewer, sessionID)
}
