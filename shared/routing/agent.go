// Package routing brings queued chats to agents: who may take a chat, in which order, and the
// assignment itself, which never gives a chat to two agents nor an agent more than its capacity.
package routing

import "time"

// DefaultCapacity is the number of concurrent chats an agent takes when the config is silent.
const DefaultCapacity = 3

// Agent statuses.
const (
	AgentAvailable = "available"
	AgentBusy      = "busy"
	AgentAway      = "away"
	AgentOffline   = "offline"
)

// ValidStatus reports whether s is an agent status.
func ValidStatus(s string) bool {
	return s == AgentAvailable || s == AgentBusy || s == AgentAway || s == AgentOffline
}

// Agent is an agent's configuration and live state.
type Agent struct {
	ID             string    `firestore:"id"`
	Name           string    `firestore:"name"`
	Queues         []string  `firestore:"queues"`
	Capacity       int       `firestore:"capacity"`
	TokenHash      string    `firestore:"tokenHash"`
	Status         string    `firestore:"status"`
	StatusAt       time.Time `firestore:"statusAt,omitempty"`
	ActiveChats    int       `firestore:"activeChats"`
	LastAssignedAt time.Time `firestore:"lastAssignedAt,omitempty"`
}

// Free reports whether the agent can take another chat now.
func (a Agent) Free() bool { return a.Status == AgentAvailable && a.ActiveChats < a.Capacity }
