// Package status is the carrier's delivery status webhook: signed callbacks that move each
// outbound message forward (queued, sent, delivered, undelivered, failed).
package status

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Statuses applies a delivery status to a stored message.
type Statuses interface {
	ApplyStatus(ctx context.Context, path, sid, status string, code int) error
}

// Handler serves the status webhook.
type Handler struct {
	Statuses  Statuses
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
	err = h.Statuses.ApplyStatus(r.Context(), path, sid, st, code)
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.Log.Warn("status for unknown message", "path", path, "sid", sid)
		http.Error(w, "unknown message", http.StatusNotFound)
	case err != nil:
		h.Log.Error("status not applied", "path", path, "sid", sid, "status", st, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
	default:
		h.Log.Info("delivery status", "path", path, "sid", sid, "status", st, "errorCode", code)
		w.WriteHeader(http.StatusNoContent)
	}
}
