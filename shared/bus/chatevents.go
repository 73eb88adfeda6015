package bus

import (
	"context"
	"log/slog"
)

// What a chat event says happened, the values of ChatEvent.Type.
const (
	ChatConnected = "connected"      // an agent took the chat
	ChatOutbound  = "outbound"       // the business started the chat, or sent a one-way text
	ChatTransfer  = "transfer"       // a transfer started, ended or failed
	ChatMedia     = "media"          // the consumer sent media
	ChatEnded     = "ended"          // the chat ended
	ContactChosen = "contact_chosen" // the agent picked the consumer's CRM contact
	ChatResent    = "resent"         // the sweeper found an ended chat not fully in the CRM
)

// ChatEvent tells the chat-events subscribers (the CRM sync) that a chat changed. It carries
// no state: a subscriber reads the chat as it is now, so a lost or repeated event is harmless
// as long as a later one comes.
type ChatEvent struct {
	Type      string `json:"type"`
	SessionID string `json:"sessionId,omitempty"`
	// Message is the path of a one-way text (a notification, which has no chat) that was sent.
	Message string `json:"message,omitempty"`
}

// Key is what the event is about: its chat, or its one-way text.
func (e ChatEvent) Key() string {
	if e.SessionID != "" {
		return e.SessionID
	}
	return e.Message
}

// ChatEvents publishes chat events, ordered per chat. Its zero value (no topic) publishes
// nothing, for deployments and tests without subscribers.
type ChatEvents struct {
	Publisher *Publisher
	Topic     string
	Log       *slog.Logger
	// Drop, when set, loses the events it matches (tests of the sweeper's resend).
	Drop func(ChatEvent) bool
}

// Emit publishes e. A failure is logged, not returned: the change it announces is committed,
// and the chat's next event (at the latest its end) carries the sync forward.
func (c ChatEvents) Emit(ctx context.Context, e ChatEvent) {
	if err := c.Announce(ctx, e); err != nil && c.Log != nil {
		c.Log.Error("chat event not published", "session", e.SessionID, "message", e.Message, "type", e.Type, "err", err)
	}
}

// Announce publishes e and says whether Pub/Sub has it (the outbox keeps e until it does).
func (c ChatEvents) Announce(ctx context.Context, e ChatEvent) error {
	if c.Topic == "" || c.Publisher == nil || (c.Drop != nil && c.Drop(e)) {
		return nil
	}
	key := "sessions/" + e.SessionID
	if e.SessionID == "" {
		key = orderingKey(e.Message)
	}
	return c.Publisher.Publish(ctx, c.Topic, key, e)
}

// Emitter announces chat changes; ChatEvents is the Pub/Sub one.
type Emitter interface {
	Emit(ctx context.Context, e ChatEvent)
}

// Emit announces e through em, when there is one.
func Emit(ctx context.Context, em Emitter, e ChatEvent) {
	if em != nil {
		em.Emit(ctx, e)
	}
}
