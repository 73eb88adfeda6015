package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Transfers is what a transfer changes.
type Transfers interface {
	Transfer(ctx context.Context, sessionID, from, toAgent string, now time.Time,
		decide func(*session.Session, *routing.Agent) (session.Handover, error), then func(*session.Session) followup.Followups) (followup.Record, error)
}

// TransferRequest names the target: an agent or a queue, with an optional note for the next
// agent.
type TransferRequest struct {
	Agent, Queue, Note string
}

// ErrTransferFailed reports a transfer the target cannot take; the chat stays with the agent.
var ErrTransferFailed = errors.New("transfer failed")

// refusal is why a target cannot take a chat, decided on the locked target agent.
type refusal string

func (r refusal) Error() string { return string(r) }

// Transfer hands one of the agent's chats to another agent or queue. The consumer is told,
// the transcript records transfer started and ended (or failed, with the reason), and the
// target agent gets a notice. A failed transfer leaves the chat with the agent.
func (d *Desk) Transfer(ctx context.Context, agentID, sessionID string, req TransferRequest) error {
	// Whose chat it is comes first: another agent's chat is not found, whatever the request.
	s, line, err := d.heldChat(ctx, agentID, sessionID)
	if err != nil {
		return err
	}
	if (req.Agent == "") == (req.Queue == "") {
		return fmt.Errorf("%w: name exactly one target: agent or queue", ErrInvalid)
	}
	if req.Agent == agentID {
		return fmt.Errorf("%w: the chat is already yours", ErrInvalid)
	}
	target := session.TransferTarget{Agent: req.Agent, Queue: req.Queue}
	var queue config.Queue
	if req.Queue != "" {
		var ok bool
		queue, ok = line.Queue(req.Queue)
		switch {
		case !ok:
			return d.transferFailed(ctx, agentID, s, req, fmt.Sprintf("there is no queue %s in this line of business", ids.Short(req.Queue)))
		case line.IsMenu(req.Queue):
			return d.transferFailed(ctx, agentID, s, req, fmt.Sprintf("queue %s is a menu, not a queue that holds chats", ids.Short(req.Queue)))
		}
		target.Priority = queue.Priority
	} else if _, err := d.Store.Agent(ctx, req.Agent); errors.Is(err, store.ErrNotFound) {
		// An id that cannot name an agent (a path, a huge string) is no agent either.
		return d.transferFailed(ctx, agentID, s, req, fmt.Sprintf("there is no agent %s", ids.Short(req.Agent)))
	} else if err != nil {
		return err
	}
	build := func(c session.Session, a *routing.Agent) ([]session.Entry, error) {
		name := queue.NameIn(c.Language)
		if a != nil {
			switch {
			case a.Disabled:
				return nil, refusal(fmt.Sprintf("%s is disabled", a.Name))
			case a.Status != routing.AgentAvailable:
				return nil, refusal(fmt.Sprintf("%s is %s", a.Name, orOffline(a.Status)))
			case !a.Serves(c.QueueID):
				return nil, refusal(fmt.Sprintf("%s does not serve queue %s", a.Name, c.QueueID))
			case a.Load() >= a.Capacity:
				return nil, refusal(fmt.Sprintf("%s is at capacity (%d chats)", a.Name, a.Capacity))
			}
			name = a.Name
		}
		out := []session.Entry{event(session.KindTransferStarted, fmt.Sprintf("transfer started by %s to %s", agentID, describe(req)))}
		if req.Note != "" {
			out = append(out, session.Entry{Author: session.FromAgent, AgentID: agentID, Kind: "note", Body: req.Note})
		}
		return append(out, session.Entry{Author: session.FromSystem, Kind: "transfer", Status: session.StatusPending,
			Body: line.Message("transfer", c.Language, c.QueueID, map[string]string{"target": name})},
			event(session.KindTransferEnded, "transfer ended")), nil
	}
	now := time.Now()
	decide := func(c *session.Session, a *routing.Agent) (session.Handover, error) {
		return session.Transfer(c, agentID, target, now, func(c session.Session) ([]session.Entry, error) { return build(c, a) })
	}
	rec, err := d.Transfers.Transfer(ctx, sessionID, agentID, req.Agent, now, decide, d.planned(ctx, func(moved *session.Session) followup.Followups {
		return Transferred(*moved, agentID, req, now)
	}))
	var r refusal
	if errors.As(err, &r) {
		return d.transferFailed(ctx, agentID, s, req, string(r))
	}
	if err != nil {
		return actError(sessionID, err)
	}
	d.Log.Info("chat transferred", "session", s.ID, "from", agentID, "toAgent", req.Agent, "toQueue", req.Queue)
	d.Followups.Settle(ctx, rec)
	return nil
}

// Transferred is what a transfer of chat moved (as stored after it) from agent from leaves
// to do: announce it, tell the target agent or offer the chat to the target queue's agents,
// and give the agent it left the next waiting chat.
func Transferred(moved session.Session, from string, req TransferRequest, now time.Time) followup.Followups {
	f := followup.Followups{Events: []chatevents.Event{{Type: chatevents.Transfer, SessionID: moved.ID}}, Fill: []string{from}}
	if req.Agent != "" {
		f.Notices = []followup.Notice{{To: req.Agent, Type: store.EventTransferReceived, SessionID: moved.ID, From: from,
			Note: req.Note, Queue: moved.QueueID, At: now}}
	} else {
		f.Assign = []followup.Queued{followup.Waiting(moved)}
	}
	return f
}

// transferFailed records why a transfer failed, tells the agent, and leaves the chat as it was.
func (d *Desk) transferFailed(ctx context.Context, agentID string, s session.Session, req TransferRequest, reason string) error {
	d.Log.Info("transfer failed", "session", s.ID, "agent", agentID, "reason", reason)
	now := time.Now()
	res, err := d.Store.AppendByAgent(ctx, store.AgentChange{SessionID: s.ID, AgentID: agentID, Now: now, Decide: Appends(agentID,
		event(session.KindTransferFailed, fmt.Sprintf("transfer to %s failed: %s", describe(req), reason)),
	), Then: func(*session.Session) followup.Followups {
		return followup.Followups{
			Events:  []chatevents.Event{{Type: chatevents.Transfer, SessionID: s.ID}},
			Notices: []followup.Notice{{To: agentID, Type: store.EventTransferFailed, SessionID: s.ID, Reason: reason, At: now}},
		}
	}})
	if err != nil {
		return err
	}
	d.Followups.Settle(ctx, res.Record)
	return fmt.Errorf("%w: %s; the chat stays with you", ErrTransferFailed, reason)
}

// event is a transcript line for agents and the CRM; it is never sent to the consumer.
func event(kind, body string) session.Entry {
	return session.Entry{Author: session.FromSystem, Kind: kind, Body: body}
}

func describe(r TransferRequest) string {
	if r.Agent != "" {
		return "agent " + ids.Short(r.Agent)
	}
	return "queue " + ids.Short(r.Queue)
}

func orOffline(status string) string {
	if status == "" {
		return routing.AgentOffline
	}
	return status
}
