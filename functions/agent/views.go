package agent

import (
	"github.com/smsdesk/smsdesk/shared/agentview"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
)

// The API answers with the views shared/agentview decides (masking by role, the CRM contact,
// a possible opt-out request, signed media links); these name them for the handlers.

func agentView(a routing.Agent) agentview.Agent { return agentview.Self(a) }

func entryView(e session.Entry) agentview.Entry { return agentview.Line(e) }

func (h *Handler) chatView(c desk.Chat, viewer routing.Agent) agentview.Chat {
	return agentview.Viewer{MediaURL: h.MediaURL, Log: h.Log}.Chat(viewer, c)
}
