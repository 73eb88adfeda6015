package agent

import (
	"context"
	"errors"
	"net/http"

	"github.com/smsdesk/smsdesk/functions/internal/jsonapi"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/media"
	"github.com/smsdesk/smsdesk/shared/outbound"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/voice"
)

// CallTexts sends an agent's text or MMS to the caller of a live call (voice.InCall).
type CallTexts interface {
	Send(ctx context.Context, agentID, callSID string, m desk.Message) (string, error)
}

// WithCalls serves POST /calls/{callSid}/messages ({"body":"...","media":[{"contentType":
// "image/png","data":"<base64>"}]}): the agent on a live call texts the caller, an MMS with
// attachments; the call's chat carries the texts both ways and ends with the call.
func (h *Handler) WithCalls(c CallTexts) *Handler {
	h.mux.HandleFunc("POST /calls/{sid}/messages", h.auth(func(w http.ResponseWriter, r *http.Request, a routing.Agent) {
		var req struct {
			Body  string      `json:"body"`
			Media []mediaJSON `json:"media"`
		}
		if !decodeMessage(w, r, &req) {
			return
		}
		id, err := c.Send(r.Context(), a.ID, r.PathValue("sid"), desk.Message{Body: req.Body, Files: uploads(req.Media)})
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
		case errors.Is(err, media.ErrRefused):
			jsonapi.WriteError(w, http.StatusBadRequest, "invalid", err.Error())
		case err != nil:
			h.fail(w, err)
		default:
			jsonapi.Write(w, http.StatusCreated, map[string]string{"chatId": id})
		}
	}))
	return h
}
