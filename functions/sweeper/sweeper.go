// Package sweeper is run every few minutes by Cloud Scheduler: it carries out the follow-ups a
// crash or a stall left in the outbox (texts to send, events, timers, assignments), fires
// every chat deadline whose timer never arrived, so a lost task loses nothing, and announces
// again the end of chats that did not reach the CRM, so a lost chat event loses nothing either.
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

// Relay carries out the follow-ups left in the outbox.
type Relay interface {
	Sweep(ctx context.Context, now time.Time, grace time.Duration) (int, error)
}

// CRMResender announces again the chats whose CRM sync did not finish.
type CRMResender interface {
	Resend(ctx context.Context, now time.Time, grace time.Duration) (int, error)
}

// Handler serves the scheduler's calls.
type Handler struct {
	// Relay, when set, runs first, so that what a change left to do is done before its
	// deadlines are looked at.
	Relay   Relay
	Sweeper Sweeper
	CRM     CRMResender
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
	now := time.Now()
	relayed := 0
	if h.Relay != nil {
		var err error
		if relayed, err = h.Relay.Sweep(r.Context(), now, h.Grace); err != nil {
			h.Log.Error("relay failed", "err", err)
			http.Error(w, "relay failed", http.StatusInternalServerError)
			return
		}
	}
	n, err := h.Sweeper.Sweep(r.Context(), now, h.Grace)
	if err != nil {
		h.Log.Error("sweep failed", "fired", n, "err", err)
		http.Error(w, "sweep failed", http.StatusInternalServerError)
		return
	}
	resent, err := h.CRM.Resend(r.Context(), now, h.Grace)
	if err != nil {
		h.Log.Error("CRM resend failed", "fired", n, "err", err)
		http.Error(w, "CRM resend failed", http.StatusInternalServerError)
		return
	}
	h.Log.Info("swept", "relayed", relayed, "fired", n, "crmResent", resent)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]int{"relayed": relayed, "fired": n, "crmResent": resent})
}
