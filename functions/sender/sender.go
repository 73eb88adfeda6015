// Package sender is the consumer of the outbound topic and the only caller of the carrier.
package sender

import (
	"context"
	"errors"
	"log/slog"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/store"
	"github.com/smsdesk/smsdesk/shared/wire"
)

// Deliverer sends one stored message and records its delivery statuses.
type Deliverer interface {
	Deliver(ctx context.Context, path string) error
	ApplyStatus(ctx context.Context, path, sid, status string, code int) error
}

// Handler is the CloudEvent function.
type Handler struct {
	Deliverer Deliverer
	Log       *slog.Logger
}

// Handle delivers one message, or records a status of it the status webhook handed over. A
// returned error makes Pub/Sub deliver it again with backoff.
func (h *Handler) Handle(ctx context.Context, e event.Event) error {
	return bus.Consume(ctx, e.Data(), h.Log, "outbound message",
		func(m wire.OutboundMessage) bool {
			return store.IsMessagePath(m.Path) && (m.Status == nil || m.Status.Status != "")
		},
		func(ctx context.Context, m wire.OutboundMessage) error {
			if m.Status == nil {
				return h.Deliverer.Deliver(ctx, m.Path)
			}
			st := m.Status
			err := h.Deliverer.ApplyStatus(ctx, m.Path, st.MessageSID, st.Status, st.ErrorCode)
			if errors.Is(err, store.ErrNotFound) {
				h.Log.Warn("status for unknown message dropped", "path", m.Path, "sid", st.MessageSID)
				return nil
			}
			if err == nil {
				h.Log.Info("delivery status recorded after the webhook", "path", m.Path, "sid", st.MessageSID, "status", st.Status)
			}
			return err
		})
}
