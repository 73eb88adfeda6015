package desk

import (
	"context"
	"errors"
	"fmt"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ids"
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
func (d *Desk) ReplyPredefined(ctx context.Context, agentID, agentName, sessionID, id string, vars map[string]string, key string) (Replied, error) {
	s, line, err := d.heldChat(ctx, agentID, sessionID)
	if err != nil {
		return Replied{}, err
	}
	for _, p := range line.Predefined(s.QueueID, s.Language) {
		if p.ID != id {
			continue
		}
		text, err := predefinedText(p, line, s, agentName, vars)
		var missing *config.MissingValueError
		if errors.As(err, &missing) {
			return Replied{}, fmt.Errorf("%w: predefined message %s needs a value for %s in \"variables\"", ErrInvalid, ids.Short(id), missing.Placeholder)
		}
		return d.Reply(ctx, agentID, sessionID, text, key)
	}
	return Replied{}, fmt.Errorf("%w: no predefined message %s for this chat's queue and language (%s)", ErrInvalid, ids.Short(id), s.Language)
}

// predefinedText fills a canned message: {agent}, {queue}, {brand} and the number's app links
// ({applink_ios}, {applink_android}, ... for the app-launch text) by smsdesk (they win over
// variables of those names, see config.Fill), any other placeholder from vars.
func predefinedText(p config.Predefined, line config.Line, s session.Session, agentName string, vars map[string]string) (string, error) {
	q, _ := line.Queue(s.QueueID)
	ours := map[string]string{"agent": agentName, "queue": q.NameIn(s.Language), "brand": line.Number.Brand}
	for platform, link := range line.Number.AppLinks {
		ours["applink_"+platform] = link
	}
	return config.Fill(p.Text, ours, vars)
}

// filledBySmsdesk are the placeholders a canned message gets from smsdesk (predefinedText).
var filledBySmsdesk = map[string]bool{"agent": true, "queue": true, "brand": true}

// PredefinedVariables lists the placeholders of a canned message that the agent must give
// a value for: every one but those smsdesk fills.
func PredefinedVariables(p config.Predefined) []string {
	var out []string
	for _, name := range config.Placeholders(p.Text) {
		if !filledBySmsdesk[name] {
			out = append(out, name)
		}
	}
	return out
}

// TransferQueues lists the queues one of the agent's chats may be transferred to: the
// queues of its line of business that hold chats, but the one it is in.
func (d *Desk) TransferQueues(ctx context.Context, agentID, sessionID string) ([]config.Queue, error) {
	s, line, err := d.heldChat(ctx, agentID, sessionID)
	if err != nil {
		return nil, err
	}
	var out []config.Queue
	for _, q := range line.ChatQueues() {
		if q.ID != s.QueueID {
			out = append(out, q)
		}
	}
	return out, nil
}
