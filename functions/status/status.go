// Package status is the carrier's delivery status webhook: signed callbacks that move each
// outbound message forward (queued, sent, delivered, undelivered, failed).
package status

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Statuses applies a delivery status to a stored message.
type Statuses interface {
	ApplyStatus(ctx context.Context, path, sid, status string, code int) error
}

// Bounds of the webhook's waits, within the carrier's 15 s for the whole exchange.
const (
	// ApplyWait bounds recording a status at once; a status not recorded by then is handed
	// over to be recorded later.
	ApplyWait = 5 * time.Second
	// HandWait bounds handing a status over.
	HandWait = 5 * time.Second
)

// Later hands a status over to be recorded by the sender, through the outbound topic.
type Later interface {
	SendStatus(ctx context.Context, path, sid, status string, code int) error
}

// Handler serves the status webhook.
type Handler struct {
	Statuses Statuses
	// Later takes a status that could not be recorded at once (Firestore stalled or
	// contended): the carrier calls a status webhook once, so it must not be lost to a 503.
	Later     Later
	Validator carrier.Validator
	Account   string // our AccountSid
	PublicURL string
	Log       *slog.Logger
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.Validator.AcceptSigned(w, r, h.PublicURL, h.Log, "status callback") {
		return
	}
	// The callback URL we gave the carrier names the message's document (?m=...); the store
	// accepts only paths of messages.
	path := r.URL.Query().Get("m")
	if path == "" {
		http.Error(w, "the m query parameter is required", http.StatusBadRequest)
		return
	}
	if !store.IsMessagePath(path) {
		h.Log.Warn("status callback for a document that is not a message")
		http.Error(w, "unknown message", http.StatusNotFound)
		return
	}
	cb, err := carrier.ParseStatus(r.PostForm, h.Account)
	if err != nil {
		h.Log.Warn("status callback malformed", "remote", r.RemoteAddr, "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sid, st, code := cb.MessageSID, cb.Status, cb.ErrorCode
	ctx, cancel := context.WithTimeout(r.Context(), ApplyWait)
	err = h.Statuses.ApplyStatus(ctx, path, sid, st, code)
	cancel()
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.Log.Warn("status for unknown message", "path", path, "sid", sid)
		http.Error(w, "unknown message", http.StatusNotFound)
	case err != nil && h.Later != nil && h.handOver(r.Context(), path, sid, st, code) == nil:
		h.Log.Warn("status handed to the sender to record", "path", path, "sid", sid, "status", st, "err", err)
		w.WriteHeader(http.StatusAccepted)
	case err != nil:
		h.Log.Error("status not applied", "path", path, "sid", sid, "status", st, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
	default:
		h.Log.Info("delivery status", "path", path, "sid", sid, "status", st, "errorCode", code)
		w.WriteHeader(http.StatusNoContent)
	}
}

// handOver gives a status to Later, with a wait of its own: the one for recording it at once
// may have been spent.
func (h *Handler) handOver(ctx context.Context, path, sid, status string, code int) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), HandWait)
	defer cancel()
	return h.Later.SendStatus(ctx, path, sid, status, code)
}
