// Package chatevents is the vocabulary of the chat-events topic (what changed in a chat) and
// its publisher, ordered per chat; the CRM sync subscribes to it.
package chatevents

import (
	"context"
	"log/slog"

	"github.com/smsdesk/smsdesk/shared/bus"
)

// What a chat event says happened, the values of Event.Type.
const (
	Connected     = "connected"      // an agent took the chat
	Outbound      = "outbound"       // the business started the chat, or sent a one-way text
	Transfer      = "transfer"       // a transfer started, ended or failed
	Media         = "media"          // the consumer sent media
	Ended         = "ended"          // the chat ended
	ContactChosen = "contact_chosen" // the agent picked the consumer's CRM contact
	Resent        = "resent"         // the sweeper found an ended chat not fully in the CRM
)

// Event tells the chat-events subscribers (the CRM sync) that a chat changed. It carries
// no state: a subscriber reads the chat as it is now, so a lost or repeated event is harmless
// as long as a later one comes.
type Event struct {
	Type      string `json:"type"`
	SessionID string `json:"sessionId,omitempty"`
	// Message is the path of a one-way text (a notification, which has no chat) that was sent.
	Message string `json:"message,omitempty"`
}

// Key is what the event is about: its chat, or its one-way text.
func (e Event) Key() string {
	if e.SessionID != "" {
		return e.SessionID
	}
	return e.Message
}

// Publisher publishes chat events, ordered per chat. Its zero value (no topic) publishes
// nothing, for deployments and tests without subscribers.
type Publisher struct {
	Publisher *bus.Publisher
	Topic     string
	Log       *slog.Logger
	// Drop, when set, loses the events it matches (tests of the sweeper's resend).
	Drop func(Event) bool
}

// Emit publishes e. A failure is logged, not returned: the change it announces is committed,
// and the chat's next event (at the latest its end) carries the sync forward.
func (c Publisher) Emit(ctx context.Context, e Event) {
	if err := c.Announce(ctx, e); err != nil && c.Log != nil {
		c.Log.Error("chat event not published", "session", e.SessionID, "message", e.Message, "type", e.Type, "err", err)
	}
}

// Announce publishes e and says whether Pub/Sub has it (the outbox keeps e until it does).
func (c Publisher) Announce(ctx context.Context, e Event) error {
	if c.Topic == "" || c.Publisher == nil || (c.Drop != nil && c.Drop(e)) {
		return nil
	}
	key := "sessions/" + e.SessionID
	if e.SessionID == "" {
		key = bus.OrderingKey(e.Message)
	}
	return c.Publisher.Publish(ctx, c.Topic, key, e)
}

// Emitter announces chat changes; Publisher is the Pub/Sub one.
type Emitter interface {
	Emit(ctx context.Context, e Event)
}

// Emit announces e through em, when there is one.
func Emit(ctx context.Context, em Emitter, e Event) {
	if em != nil {
		em.Emit(ctx, e)
	}
}
