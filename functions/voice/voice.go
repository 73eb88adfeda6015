// Package voice is the carrier's voice webhook: signed call webhooks (the incoming call, the
// Gather of the offer to text, the Enqueue's wait URL and action, the url of the Queue an
// agent dials to take the call), answered with TwiML.
package voice

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/voice"
)

// Calls answers a checked call webhook of a step (voice.Service).
type Calls interface {
	Answer(ctx context.Context, step string, c carrier.Call) (voice.Response, error)
	// Bridge answers the url of the <Queue> agent agentID dialled to take call c.
	Bridge(ctx context.Context, agentID string, c carrier.Call) (voice.Response, error)
}

// Handler serves the voice webhook.
type Handler struct {
	Calls     Calls
	Validator carrier.Validator
	Account   string // our AccountSid
	PublicURL string // the voice function's public URL, which the carrier signs
	Log       *slog.Logger
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.Validator.AcceptSigned(w, r, h.PublicURL, h.Log, "voice webhook") {
		return
	}
	c, err := carrier.ParseCall(r.PostForm, h.Account)
	if err != nil {
		h.Log.Warn("voice webhook malformed", "remote", r.RemoteAddr, "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	step := q.Get("step")
	var res voice.Response
	if step == voice.StepBridge {
		res, err = h.Calls.Bridge(r.Context(), q.Get("agent"), c)
	} else {
		res, err = h.Calls.Answer(r.Context(), step, c)
	}
	switch {
	case errors.Is(err, voice.ErrUnknownStep):
		http.Error(w, "unknown step", http.StatusBadRequest)
		return
	case errors.Is(err, voice.ErrBadAgent):
		h.Log.Warn("bridge URL with a bad agent", "callSid", c.CallSID, "err", err)
		http.Error(w, err.Error()+": the agent's <Queue url> must name an agent id", http.StatusBadRequest)
		return
	case err != nil:
		// The carrier then plays its error message or calls the fallback URL.
		h.Log.Error("call not answered", "callSid", c.CallSID, "step", step, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	body, err := res.Marshal()
	if err != nil {
		h.Log.Error("TwiML not encoded", "callSid", c.CallSID, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(body)
}
