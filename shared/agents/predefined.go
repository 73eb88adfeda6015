package agents

import (
	"context"
	"errors"
	"fmt"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ids"
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
func (d *Desk) ReplyPredefined(ctx context.Context, agentID, agentName, sessionID, id string, vars map[string]string, key string) (Replied, error) {
	s, line, err := d.heldChat(ctx, agentID, sessionID)
	if err != nil {
		return Replied{}, err
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
			return Replied{}, fmt.Errorf("%w: predefined message %s needs a value for %s in \"variables\"", ErrInvalid, ids.Short(id), missing.Placeholder)
		}
		return d.Reply(ctx, agentID, sessionID, text, key)
	}
	return Replied{}, fmt.Errorf("%w: no predefined message %s for this chat's queue and language (%s)", ErrInvalid, ids.Short(id), s.Language)
}
