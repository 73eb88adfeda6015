// Package sweeper is run every few minutes by Cloud Scheduler: it carries out the follow-ups a
// crash or a stall left in the outbox (texts to send, events, timers, assignments), fires
// every chat deadline whose timer never arrived, so a lost task loses nothing, and announces
// again the end of chats that did not reach the CRM, so a lost chat event loses nothing either,
// and asks the carrier for the delivery statuses whose callbacks never came.
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

// Reconciler asks the carrier for the delivery statuses whose callbacks never arrived.
type Reconciler interface {
	Sweep(ctx context.Context, now time.Time) (int, error)
}

// Handler serves the scheduler's calls.
type Handler struct {
	// Relay, when set, runs first, so that what a change left to do is done before its
	// deadlines are looked at.
	Relay   Relay
	Sweeper Sweeper
	CRM     CRMResender
	// Statuses, when set, runs last: asking the carrier about messages is the slowest part.
	Statuses Reconciler
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
	learnt := 0
	if h.Statuses != nil {
		if learnt, err = h.Statuses.Sweep(r.Context(), now); err != nil {
			h.Log.Error("status reconciliation failed", "learnt", learnt, "err", err)
			http.Error(w, "status reconciliation failed", http.StatusInternalServerError)
			return
		}
	}
	h.Log.Info("swept", "relayed", relayed, "fired", n, "crmResent", resent, "statusesLearnt", learnt)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]int{"relayed": relayed, "fired": n, "crmResent": resent, "statusesLearnt": learnt})
}
