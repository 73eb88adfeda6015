package routing

import (
	"context"
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TakeCall decides giving chat s, which waits for whoever answers its call, to agent a, who
// just answered it, at now: the chat is theirs whatever their status and capacity, since they
// are talking to the caller, with what Assigned writes and leaves to do. A chat that no longer
// awaits its call (already given, ended), or a disabled agent, changes nothing (false).
func TakeCall(line config.Line, s *session.Session, a Agent, now time.Time) (session.Entry, followup.Followups, bool) {
	if s.State != session.AwaitingCall || a.Disabled {
		return session.Entry{}, followup.Followups{}, false
	}
	s.AssignTo(a.ID, now)
	e, then := Assigned(line, s, a)
	return e, then, true
}

// GiveCallChat gives chat sessionID, waiting for its call's agent, to agentID, who answered
// the call, and reports whether it did (no such chat, or one not waiting, is left alone).
func (r *Router) GiveCallChat(ctx context.Context, business, sessionID, agentID string) (bool, error) {
	line, err := r.Store.Line(ctx, business)
	if err != nil {
		return false, err
	}
	now := time.Now()
	rec, ok, err := r.Store.Assign(ctx, sessionID, []Agent{{ID: agentID}}, now, func(s *session.Session, a Agent) (session.Entry, followup.Followups, bool) {
		return TakeCall(line, s, a, now)
	})
	if err != nil {
		return false, fmt.Errorf("give chat %s to the call's agent %s: %w", sessionID, agentID, err)
	}
	if !ok {
		return false, nil
	}
	r.Log.Info("chat given to the agent who answered its call", "session", sessionID, "agent", agentID)
	if err := r.Followups.AfterCommit(ctx, rec); err != nil {
		r.Log.Error("follow-ups of the call's chat not carried out yet", "session", sessionID, "agent", agentID, "err", err)
	}
	return true, nil
}
