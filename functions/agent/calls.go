package agent

import (
	"context"
	"errors"
	"net/http"

	"github.com/smsdesk/smsdesk/functions/internal/jsonapi"
	"github.com/smsdesk/smsdesk/shared/outbound"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/voice"
)

// CallTexts sends an agent's text to the caller of a live call (voice.InCall).
type CallTexts interface {
	Send(ctx context.Context, agentID, callSID, body string) (string, error)
}

// WithCalls serves POST /calls/{callSid}/messages: the agent on a live call texts the caller;
// the call's chat carries the texts both ways and ends with the call.
func (h *Handler) WithCalls(c CallTexts) *Handler {
	h.mux.HandleFunc("POST /calls/{sid}/messages", h.auth(func(w http.ResponseWriter, r *http.Request, a routing.Agent) {
		var req struct {
			Body string `json:"body"`
		}
		if !decodeBody(w, r, &req) {
			return
		}
		id, err := c.Send(r.Context(), a.ID, r.PathValue("sid"), req.Body)
		var refused *outbound.Error
		switch {
		case errors.Is(err, voice.ErrNoActiveCall):
			jsonapi.WriteError(w, http.StatusConflict, "call_not_active", "in-call texts need the call in progress: "+err.Error())
		case errors.Is(err, voice.ErrNotYourCall):
			jsonapi.WriteError(w, http.StatusConflict, "not_your_call", "only the agent who answered the call texts its caller: "+err.Error())
		case errors.As(err, &refused) && refused.Kind == outbound.Invalid:
			jsonapi.WriteError(w, http.StatusBadRequest, refused.Code, refused.Message)
		case errors.As(err, &refused):
			jsonapi.WriteError(w, http.StatusConflict, refused.Code, refused.Message)
		case err != nil:
			h.fail(w, err)
		default:
			jsonapi.Write(w, http.StatusCreated, map[string]string{"chatId": id})
		}
	}))
	return h
}
