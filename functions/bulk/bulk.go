// Package bulk is the consumer of the bulk topic: it sends one batch of a bulk request,
// recipient by recipient, and records each outcome.
package bulk

import (
	"context"
	"log/slog"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/outbound"
)

// Batches processes one batch.
type Batches interface {
	Process(ctx context.Context, b outbound.BulkBatch) error
}

// Handler is the CloudEvent function.
type Handler struct {
	Batches Batches
	Log     *slog.Logger
}

// Handle processes one delivery; an error makes Pub/Sub deliver it again.
func (h *Handler) Handle(ctx context.Context, e event.Event) error {
	return bus.Consume(ctx, e.Data(), h.Log, "bulk batch",
		func(b outbound.BulkBatch) bool { return b.JobID != "" },
		func(ctx context.Context, b outbound.BulkBatch) error {
			h.Log.Info("bulk batch", "job", b.JobID, "start", b.Start, "recipients", len(b.Recipients))
			return h.Batches.Process(ctx, b)
		})
}
