// Package agent is who answers chats: an agent's configuration as stored with their live
// status and load, and what those allow. It is a leaf: the store, routing and the desk share it.
package agent

import (
	"errors"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

// ErrDisabled is the answer to a disabled agent's token or session.
var ErrDisabled = errors.New("agent disabled")

// Agent statuses.
const (
	Available = "available"
	Busy      = "busy"
	Away      = "away"
	Offline   = "offline"
)

// ValidStatus reports whether s is an agent status.
func ValidStatus(s string) bool {
	return s == Available || s == Busy || s == Away || s == Offline
}

// Agent is an agent's configuration and live state.
type Agent struct {
	ID           string   `firestore:"id"`
	Name         string   `firestore:"name"`
	Queues       []string `firestore:"queues"`       // served directly
	ServesQueues []string `firestore:"servesQueues"` // directly and through teams
	// ServesLines are the lines of business of ServesQueues: a supervisor's lines.
	ServesLines []string `firestore:"servesLines"`
	Languages   []string `firestore:"languages"`
	Role        string   `firestore:"role"`
	Capacity    int      `firestore:"capacity"`
	TokenHash   string   `firestore:"tokenHash"`
	// PasswordHash is the console password in PHC form (package password); empty: none set.
	PasswordHash string `firestore:"passwordHash,omitempty"`
	// Disabled agents are refused everywhere at once and never given chats.
	Disabled bool `firestore:"disabled,omitempty"`
	// Email is lower-cased: the Google account IAP signs in as this agent.
	Email          string    `firestore:"email,omitempty"`
	Status         string    `firestore:"status"`
	StatusAt       time.Time `firestore:"statusAt,omitempty"`
	ActiveChats    int       `firestore:"activeChats"`
	LastAssignedAt time.Time `firestore:"lastAssignedAt,omitempty"`
	// Answer is "manual" for an agent who accepts each chat offered to them, else chats are
	// theirs when assigned ("auto", the default).
	Answer string `firestore:"answer,omitempty"`
	// Offers counts the chats offered to the agent and not yet accepted, declined or lapsed:
	// they take capacity, so an agent is never offered more than they could hold.
	Offers int `firestore:"offers"`
	// Version is the stored agent's update time as a query read it, so that a change can be
	// committed on it without reading the agent again (zero: unknown). Not stored.
	Version time.Time `firestore:"-" json:"-"`
}

// Manual reports whether chats are offered to the agent rather than given.
func (a Agent) Manual() bool { return a.Answer == config.AnswerManual }

// Load is the chats the agent holds and those offered to them.
func (a Agent) Load() int { return a.ActiveChats + a.Offers }

// Free reports whether the agent can take (or be offered) another chat now (offers count). A
// disabled agent never can, even when their status still says available.
func (a Agent) Free() bool {
	return !a.Disabled && a.Status == Available && a.Load() < a.Capacity
}

// Speaks reports whether the agent can chat in lang.
func (a Agent) Speaks(lang string) bool {
	for _, l := range a.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Serves reports whether the agent takes chats of queue q.
func (a Agent) Serves(q string) bool {
	for _, s := range a.ServesQueues {
		if s == q {
			return true
		}
	}
	return false
}

// IdleSince is when the agent last became available or last got a chat, whichever is later.
func (a Agent) IdleSince() time.Time {
	if a.LastAssignedAt.After(a.StatusAt) {
		return a.LastAssignedAt
	}
	return a.StatusAt
}

// SeesFullNumbers reports whether the agent's role may see consumers' full phone numbers.
func (a Agent) SeesFullNumbers() bool { return a.Role == "supervisor" || a.Role == "admin" }
