package desk

import (
	"context"
	"time"

	"github.com/smsdesk/smsdesk/shared/session"
)

// SeenMarks records how far each agent has read each chat.
type SeenMarks interface {
	MarkSeen(ctx context.Context, agentID, sessionID string, seq int, now time.Time) error
	Seen(ctx context.Context, agentID string, sessionIDs []string) (map[string]int, error)
}

// MarkSeen records that the agent has read chat c as shown to them (up to its last line).
func (d *Desk) MarkSeen(ctx context.Context, agentID string, c Chat) error {
	seq := c.Session.Seq
	if n := len(c.Transcript); n > 0 && c.Transcript[n-1].Seq > seq {
		seq = c.Transcript[n-1].Seq
	}
	return d.Seen.MarkSeen(ctx, agentID, c.Session.ID, seq, time.Now())
}

// Unread counts, for each of the chats, the consumer's lines after the last line the agent
// saw (agent and system lines are not news to them).
func (d *Desk) Unread(ctx context.Context, agentID string, chats []Chat) (map[string]int, error) {
	chatIDs := make([]string, len(chats))
	for i, c := range chats {
		chatIDs[i] = c.Session.ID
	}
	seen, err := d.Seen.Seen(ctx, agentID, chatIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(chats))
	for _, c := range chats {
		out[c.Session.ID] = UnreadLines(c.Transcript, seen[c.Session.ID])
	}
	return out, nil
}

// UnreadLines counts the consumer's lines of a transcript after line seen.
func UnreadLines(transcript []session.Entry, seen int) int {
	n := 0
	for _, e := range transcript {
		if e.Seq > seen && e.Author == session.FromConsumer {
			n++
		}
	}
	return n
}
