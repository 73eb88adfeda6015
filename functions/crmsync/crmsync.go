// Package crmsync is the consumer of the chat-events topic that brings chats into the CRM.
package crmsync

import (
	"context"
	"log/slog"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/chatevents"
)

// Syncer brings one chat (or one-way text) up to date in the CRM.
type Syncer interface {
	Handle(ctx context.Context, e chatevents.Event) error
}

// Handler is the CloudEvent function.
type Handler struct {
	Syncer Syncer
	Log    *slog.Logger
}

// Handle syncs the chat of one event. A returned error (the CRM is down) makes Pub/Sub deliver
// it again with backoff; the chat's later events wait behind it, in order.
func (h *Handler) Handle(ctx context.Context, e event.Event) error {
	return bus.Consume(ctx, e.Data(), h.Log, "chat event",
		func(c chatevents.Event) bool { return c.Key() != "" },
		func(ctx context.Context, c chatevents.Event) error {
			err := h.Syncer.Handle(ctx, c)
			if err != nil {
				// Said here, or a chat's events waiting behind a retry show nowhere.
				h.Log.Warn("chat event not synced to the CRM; Pub/Sub delivers it again", "session", c.SessionID, "event", c.Type, "err", err)
			}
			return err
		})
}
