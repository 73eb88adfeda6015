// Package routing brings queued chats to agents: who may take a chat, in which order, and the
// assignment itself, which never gives a chat to two agents nor an agent more than its capacity.
package routing

import (
	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
)

// DefaultCapacity is the number of concurrent chats an agent takes when the config is silent.
const DefaultCapacity = config.DefaultCapacity

// Agent statuses.
const (
	AgentAvailable = agent.Available
	AgentBusy      = agent.Busy
	AgentAway      = agent.Away
	AgentOffline   = agent.Offline
)

// ValidStatus reports whether s is an agent status.
func ValidStatus(s string) bool { return agent.ValidStatus(s) }

// Agent is an agent's configuration and live state (agent.Agent), under the name routing's
// callers know.
type Agent = agent.Agent
