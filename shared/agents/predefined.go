package agents

import (
	"context"
	"errors"
	"fmt"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Predefined lists the canned messages for one of the agent's chats, in the chat's language.
func (d *Desk) Predefined(ctx context.Context, agentID, sessionID string) ([]config.Predefined, error) {
	s, line, err := d.heldChat(ctx, agentID, sessionID)
	if err != nil {
		return nil, err
	}
	return line.Predefined(s.QueueID, s.Language), nil
}

// ReplyPredefined sends a canned message, filling {agent}, {queue}, {brand} and the caller's
// variables; a placeholder left without a value, or with an empty one, is refused rather than
// sent as is.
func (d *Desk) ReplyPredefined(ctx context.Context, agentID, agentName, sessionID, id string, vars map[string]string) (session.Entry, error) {
	s, line, err := d.heldChat(ctx, agentID, sessionID)
	if err != nil {
		return session.Entry{}, err
	}
	for _, p := range line.Predefined(s.QueueID, s.Language) {
		if p.ID != id {
			continue
		}
		q, _ := line.Queue(s.QueueID)
		all := map[string]string{"agent": agentName, "queue": q.NameIn(s.Language)}
		for k, v := range vars {
			all[k] = v
		}
		all["brand"] = line.Number.Brand
		text, err := config.Fill(p.Text, all)
		var missing *config.MissingValueError
		if errors.As(err, &missing) {
			return session.Entry{}, fmt.Errorf("%w: predefined message %q needs a value for %s in \"variables\"", ErrInvalid, id, missing.Placeholder)
		}
		return d.Reply(ctx, agentID, sessionID, text)
	}
	return session.Entry{}, fmt.Errorf("%w: no predefined message %q for this chat's queue and language (%s)", ErrInvalid, id, s.Language)
}

func (d *Desk) heldChat(ctx context.Context, agentID, sessionID string) (session.Session, config.Line, error) {
	s, err := d.Store.Session(ctx, sessionID)
	if err != nil || s.AgentID != agentID || s.State != session.Assigned {
		return s, config.Line{}, fmt.Errorf("chat %s: %w", sessionID, ErrNotYourChat)
	}
	line, err := d.Store.Line(ctx, s.Business)
	return s, line, err
}
