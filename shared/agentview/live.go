package agentview

import (
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
)

// LiveChat is what a live update says of a chat: enough to place it in a list and to tell
// whether the view has its latest line (seq); the consumer's number is not in it, and the
// transcript is read with GET /agent/chats/{id}.
type LiveChat struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Queue     string `json:"queue"`
	AgentID   string `json:"agentId,omitempty"`
	Seq       int    `json:"seq"`
	EndReason string `json:"endReason,omitempty"`
}

// Live is the live update of chat s.
func Live(s session.Session) LiveChat {
	return LiveChat{ID: s.ID, State: string(s.State), Queue: s.QueueID, AgentID: s.AgentID, Seq: s.Seq, EndReason: s.EndReason}
}

// LiveAgent is what a live update says of an agent: status and load.
type LiveAgent struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	ActiveChats int    `json:"activeChats"`
	Capacity    int    `json:"capacity"`
}

// LiveOf is the live update of agent a; one never seen online is offline.
func LiveOf(a routing.Agent) LiveAgent {
	s := Self(a)
	return LiveAgent{ID: s.ID, Name: s.Name, Status: s.Status, ActiveChats: s.ActiveChats, Capacity: s.Capacity}
}
