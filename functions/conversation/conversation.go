// Package conversation is the consumer of the inbound topic: each delivered text goes through
// the chat state machine once.
package conversation

import (
	"context"
	"log/slog"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/wire"
)

// Texts handles one inbound text.
type Texts interface {
	Handle(ctx context.Context, t wire.InboundText) error
}

// Handler is the CloudEvent function.
type Handler struct {
	Texts Texts
	Log   *slog.Logger
}

// Handle processes one Pub/Sub delivery. A returned error makes Pub/Sub deliver it again.
func (h *Handler) Handle(ctx context.Context, e event.Event) error {
	return bus.Consume(ctx, e.Data(), h.Log, "inbound message",
		wire.InboundText.Valid, h.Texts.Handle)
}
