package desk

import (
	"github.com/smsdesk/smsdesk/shared/live"
	"github.com/smsdesk/smsdesk/shared/routing"
)

// LiveFilter is which live changes viewer is pushed: those of the chats they may read
// (CanRead: the chats they hold or held; for supervisors their lines' chats, for admins every
// chat) and of the agents they may follow (SeesAgent).
func LiveFilter(viewer routing.Agent) func(live.Change) bool {
	return func(c live.Change) bool {
		switch c.Kind {
		case live.KindChat:
			return CanRead(viewer, c.Chat)
		case live.KindAgent:
			return SeesAgent(viewer, c.Agent)
		}
		return false
	}
}
