package agent

import (
	"encoding/json"
	"net/http"

	"github.com/smsdesk/smsdesk/shared/agentview"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/live"
	"github.com/smsdesk/smsdesk/shared/routing"
)

// Stream serves live changes as server-sent events (live.Hub).
type Stream interface {
	ServeSSE(w http.ResponseWriter, r *http.Request, filter func(live.Change) bool, encode func(live.Change) (string, []byte))
}

// WithLive adds GET /stream: the agent's live feed of the chats they may read and, for
// supervisors and admins, of their agents (desk.LiveFilter), as server-sent events.
func (h *Handler) WithLive(s Stream) *Handler {
	h.mux.HandleFunc("GET /stream", h.auth(func(w http.ResponseWriter, r *http.Request, a routing.Agent) {
		s.ServeSSE(w, r, desk.LiveFilter(a), encodeLive)
	}))
	return h
}

// encodeLive names each change's event and gives its data: "chat" with agentview.LiveChat,
// "agent" with agentview.LiveAgent.
func encodeLive(c live.Change) (string, []byte) {
	var v any
	switch c.Kind {
	case live.KindChat:
		v = agentview.Live(c.Chat)
	case live.KindAgent:
		v = agentview.LiveOf(c.Agent)
	default:
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", nil
	}
	return c.Kind, b
}
