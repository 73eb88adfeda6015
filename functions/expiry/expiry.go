// Package expiry is the target of chat timers (Cloud Tasks HTTP tasks): it authenticates the
// delivery and applies the timer once; a stale or repeated timer does nothing.
package expiry

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/timers"
)

// Timers applies a due timer.
type Timers interface {
	Fire(ctx context.Context, t session.Timer) error
}

// Handler serves timer deliveries.
type Handler struct {
	Timers Timers
	Secret []byte
	Log    *slog.Logger
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a timer", http.StatusMethodNotAllowed)
		return
	}
	t, err := timers.Verify(r, h.Secret)
	switch {
	case errors.Is(err, timers.ErrUnauthenticated):
		h.Log.Warn("timer delivery refused", "remote", r.RemoteAddr, "err", err)
		http.Error(w, "not a signed timer delivery", http.StatusForbidden)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := h.Timers.Fire(r.Context(), t); err != nil {
		h.Log.Error("timer failed; Cloud Tasks retries it", "session", t.SessionID, "timer", t.Kind, "err", err)
		http.Error(w, "timer failed", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
