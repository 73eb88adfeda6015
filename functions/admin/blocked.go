package admin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/smsdesk/smsdesk/functions/internal/jsonapi"
	"github.com/smsdesk/smsdesk/shared/phone"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Blocklist is the list of blocked numbers: their calls are rejected, their texts dropped.
type Blocklist interface {
	BlockedNumbers(ctx context.Context) ([]store.BlockedNumber, error)
	Block(ctx context.Context, b store.BlockedNumber) error
	Unblock(ctx context.Context, phone string) error
	BlockedDrops(ctx context.Context, phone string) (map[string]int, error)
}

// blockedRow is a blocked number with the calls and texts of it dropped so far.
type blockedRow struct {
	store.BlockedNumber
	DroppedCalls int `json:"droppedCalls"`
	DroppedTexts int `json:"droppedTexts"`
}

func (h *Handler) blockedRoutes(b Blocklist) {
	h.mux.HandleFunc("GET /blocked", func(w http.ResponseWriter, r *http.Request) {
		list, err := b.BlockedNumbers(r.Context())
		if err != nil {
			h.internal(w, err)
			return
		}
		out := []blockedRow{}
		for _, n := range list {
			d, err := b.BlockedDrops(r.Context(), n.Number)
			if err != nil {
				h.internal(w, err)
				return
			}
			out = append(out, blockedRow{BlockedNumber: n, DroppedCalls: d["call"], DroppedTexts: d["sms"]})
		}
		jsonapi.Write(w, http.StatusOK, map[string]any{"blocked": out})
	})
	h.mux.HandleFunc("PUT /blocked/{number}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("number")
		if err := phone.CheckE164(n); err != nil {
			jsonapi.WriteError(w, http.StatusBadRequest, "invalid_config", "blocked number: "+err.Error())
			return
		}
		var body struct {
			Reason string `json:"reason"`
		}
		if r.ContentLength != 0 && !jsonapi.Decode(w, r, 4<<10, &body) {
			return
		}
		if len(body.Reason) > 500 {
			jsonapi.WriteError(w, http.StatusBadRequest, "invalid_json", "reason: at most 500 bytes")
			return
		}
		if err := b.Block(r.Context(), store.BlockedNumber{Number: n, Reason: body.Reason, AddedAt: time.Now().UTC()}); err != nil {
			h.internal(w, err)
			return
		}
		h.log.Info("number blocked", "number", n)
		jsonapi.Write(w, http.StatusOK, map[string]string{"status": "saved"})
	})
	h.mux.HandleFunc("DELETE /blocked/{number}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("number")
		if phone.CheckE164(n) != nil {
			jsonapi.WriteError(w, http.StatusBadRequest, "invalid_config", "blocked number: not an E.164 number")
			return
		}
		err := b.Unblock(r.Context(), n)
		switch {
		case errors.Is(err, store.ErrNotFound):
			jsonapi.WriteError(w, http.StatusNotFound, "not_found", "the number is not blocked")
		case err != nil:
			h.internal(w, err)
		default:
			h.log.Info("number unblocked", "number", n)
			jsonapi.Write(w, http.StatusOK, map[string]string{"status": "saved"})
		}
	})
}
