package console

import (
	"net/http"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/live"
	"github.com/smsdesk/smsdesk/shared/monitor"
)

// events streams what changed for this agent (desk.LiveFilter): "chat" with the chat's id for
// a chat they may read, "agent" with their id when their own status or load changed. The page
// then reloads the parts that show it; the data is only an id, never what a chat says.
// monitor=1 (the monitoring page, for those monitor.Sees) also streams the changes of the
// other agents they may follow.
func (h *Handler) events(w http.ResponseWriter, r *http.Request, a agent.Agent, _ Session) {
	if h.o.Stream == nil {
		// 204 tells the browser's EventSource not to reconnect.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	others := r.URL.Query().Get("monitor") == "1" && monitor.Sees(a)
	encode := func(c Change) (string, []byte) {
		switch {
		case c.Kind == live.KindChat:
			return "chat", []byte(c.Chat.ID)
		case c.Kind == live.KindAgent && (others || c.Agent.ID == a.ID):
			return "agent", []byte(c.Agent.ID)
		}
		return "", nil // another agent's change: the page shows none
	}
	h.o.Stream.ServeSSE(w, r, desk.LiveFilter(a), encode)
}
