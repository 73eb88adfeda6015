package agent

import (
	"errors"
	"net/http"

	"github.com/smsdesk/smsdesk/functions/internal/jsonapi"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/routing"
)

// Possible opt-out requests: opt-out wording in a chat the consumer opened flags the chat
// ("possibleOptOut" in its view) until the agent settles it with one of these calls.
//
//	POST /chats/{id}/optout            opt the consumer out (one confirmation; the chat ends)
//	POST /chats/{id}/optout/dismiss    not an opt-out: notifications may reach them again

func (h *Handler) optOut(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	h.resolveOptOut(w, r, a, true)
}

func (h *Handler) dismissOptOut(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	h.resolveOptOut(w, r, a, false)
}

func (h *Handler) resolveOptOut(w http.ResponseWriter, r *http.Request, a routing.Agent, optOut bool) {
	c, err := h.Desk.ResolveOptOut(r.Context(), a, r.PathValue("id"), optOut)
	if errors.Is(err, desk.ErrNoOptOutFlag) {
		jsonapi.WriteError(w, http.StatusConflict, "no_optout_request", err.Error()+"; nothing to dismiss")
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	jsonapi.Write(w, http.StatusOK, h.chatView(c, a))
}
