// Package sweeper is run every few minutes by Cloud Scheduler: it fires every chat deadline
// whose timer never arrived, so a lost task loses nothing.
package sweeper

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// Sweeper fires overdue deadlines.
type Sweeper interface {
	Sweep(ctx context.Context, now time.Time, grace time.Duration) (int, error)
}

// Handler serves the scheduler's calls.
type Handler struct {
	Sweeper Sweeper
	// Grace leaves timers this long to arrive on their own before the sweeper steps in.
	Grace time.Duration
	Log   *slog.Logger
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Cloud Scheduler names its job in this header; IAM (invoker only for the scheduler's
	// service account) is what keeps others out.
	if r.Method != http.MethodPost || r.Header.Get("X-CloudScheduler-JobName") == "" {
		http.Error(w, "only Cloud Scheduler runs the sweeper", http.StatusForbidden)
		return
	}
	n, err := h.Sweeper.Sweep(r.Context(), time.Now(), h.Grace)
	if err != nil {
		h.Log.Error("sweep failed", "fired", n, "err", err)
		http.Error(w, "sweep failed", http.StatusInternalServerError)
		return
	}
	h.Log.Info("swept", "fired", n)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]int{"fired": n})
}
