package console

import (
	"net/http"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/desk"
)

// events streams what changed for this agent: "chat" (its id) for a chat they may read
// (desk.CanRead), "agent" for their own status and load. The page then reloads the parts
// that show it.
func (h *Handler) events(w http.ResponseWriter, r *http.Request, a agent.Agent, _ Session) {
	if h.o.Stream == nil {
		// 204 tells the browser's EventSource not to reconnect.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	filter := func(c Change) bool {
		switch c.Kind {
		case "chat":
			return desk.CanRead(a, c.Chat)
		case "agent":
			return c.ID == a.ID
		}
		return false
	}
	encode := func(c Change) (string, []byte) { return c.Kind, []byte(c.ID) }
	h.o.Stream.ServeSSE(w, r, filter, encode)
}
