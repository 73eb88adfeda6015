// Package sender is the consumer of the outbound topic and the only caller of the carrier.
package sender

import (
	"context"
	"log/slog"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/wire"
)

// Deliverer sends one stored message.
type Deliverer interface {
	Deliver(ctx context.Context, path string) error
}

// Handler is the CloudEvent function.
type Handler struct {
	Deliverer Deliverer
	Log       *slog.Logger
}

// Handle delivers one message. A returned error makes Pub/Sub deliver it again with backoff.
func (h *Handler) Handle(ctx context.Context, e event.Event) error {
	return bus.Consume(ctx, e.Data(), h.Log, "outbound message",
		func(m wire.OutboundMessage) bool { return m.Path != "" },
		func(ctx context.Context, m wire.OutboundMessage) error { return h.Deliverer.Deliver(ctx, m.Path) })
}
