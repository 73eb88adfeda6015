// Package monitor is live monitoring for supervisors and admins: agents with their status,
// load and missed offers; queues with what waits in them and who could take it; chats in
// progress, still to come (in a menu, queued, scheduled) and ended today. Build decides the
// view as plain Go over loaded state; Monitor loads that state for one viewer.
package monitor

import (
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// View is what a supervisor (their lines of business) or an admin (every line) sees.
type View struct {
	At time.Time `json:"at"`
	// Today is the local midnight in TimeZone since which past chats and missed offers count.
	Today    time.Time  `json:"today"`
	TimeZone string     `json:"timeZone"`
	Filter   Filter     `json:"filter"`
	Agents   []AgentRow `json:"agents"`
	Queues   []QueueRow `json:"queues"`
	Chats    Chats      `json:"chats"`
}

// Chats are the chats of the view. Past is filtered by the view's Filter; the others are not.
type Chats struct {
	InProgress []ChatRow `json:"inProgress"` // an agent has them, the longest held first
	// Future are chats in a menu or queued (the longest waiting first), then messages
	// scheduled for later (the soonest first).
	Future []ChatRow `json:"future"`
	Past   []ChatRow `json:"past"` // ended today, the most recent first
	// PastTruncated says that more chats ended today than were read (the oldest are left
	// out); FutureTruncated that more messages are scheduled than are listed.
	PastTruncated   bool `json:"pastTruncated"`
	FutureTruncated bool `json:"futureTruncated"`
}

// AgentRow is one agent: status and since when, load, what they serve, missed offers.
type AgentRow struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	Status   string    `json:"status"`
	StatusAt time.Time `json:"statusAt,omitzero"`
	// SecondsInStatus is how long the agent has had Status; absent when never set.
	SecondsInStatus *int64 `json:"secondsInStatus,omitempty"`
	ActiveChats     int    `json:"activeChats"`
	Capacity        int    `json:"capacity"`
	// Free says the agent is available with capacity left: offers go to them.
	Free bool `json:"free"`
	// Disabled agents are refused everywhere and given no chat.
	Disabled bool `json:"disabled,omitempty"`
	// Chats are the ids of the live chats the agent holds.
	Chats             []string `json:"chats"`
	Queues            []string `json:"queues"`
	Languages         []string `json:"languages"`
	MissedOffersToday int      `json:"missedOffersToday"`
}

// QueueRow is one queue that holds chats (a leaf of its line's tree).
type QueueRow struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	LineOfBusiness string `json:"lineOfBusiness"`
	Waiting        int    `json:"waiting"`
	// LongestWaitSeconds is how long the chat waiting longest has waited (0 when none).
	LongestWaitSeconds int64 `json:"longestWaitSeconds"`
	AgentsServing      int   `json:"agentsServing"`   // serve the queue, directly or through teams
	AgentsAvailable    int   `json:"agentsAvailable"` // of those, available (and not disabled)
	AgentsEligible     int   `json:"agentsEligible"`  // of those, with free capacity (routing.Eligible)
	InProgress         int   `json:"inProgress"`
	EndedToday         int   `json:"endedToday"`
	// ByType breaks the counts down by type of chat: TypeSMS and TypeOutboundSMS.
	ByType map[string]TypeCounts `json:"byType"`
}

// TypeCounts are a queue's chats of one type.
type TypeCounts struct {
	Waiting    int `json:"waiting"`
	InProgress int `json:"inProgress"`
	EndedToday int `json:"endedToday"`
}

// ChatRow is one chat, or one scheduled message (State "scheduled", ID the message's).
type ChatRow struct {
	ID    string `json:"id"`
	State string `json:"state"` // menu, queued, assigned, ended or scheduled
	Type  string `json:"type"`  // TypeSMS or TypeOutboundSMS
	// StartType is how the chat started, as stored (inbound, outbound, …).
	StartType      string    `json:"startType,omitempty"`
	Queue          string    `json:"queue,omitempty"`
	QueueName      string    `json:"queueName,omitempty"`
	LineOfBusiness string    `json:"lineOfBusiness,omitempty"`
	Business       string    `json:"business"`
	Consumer       string    `json:"consumer"`
	Language       string    `json:"language,omitempty"`
	Agent          string    `json:"agent,omitempty"`
	AgentName      string    `json:"agentName,omitempty"`
	CreatedAt      time.Time `json:"createdAt,omitzero"`
	QueuedAt       time.Time `json:"queuedAt,omitzero"`
	AssignedAt     time.Time `json:"assignedAt,omitzero"`
	EndedAt        time.Time `json:"endedAt,omitzero"`
	EndReason      string    `json:"endReason,omitempty"`
	ScheduledFor   time.Time `json:"scheduledFor,omitzero"`
	// WaitSeconds runs from queued to assigned (to ended for a chat nobody took, to now while
	// it waits); absent for a chat never queued.
	WaitSeconds *int64 `json:"waitSeconds,omitempty"`
	// HandleSeconds runs from assigned to ended (to now while in progress); absent for a chat
	// no agent has.
	HandleSeconds *int64 `json:"handleSeconds,omitempty"`
}

// Types of chat, for the breakdown by type.
const (
	TypeSMS         = "sms"          // the consumer texted first
	TypeOutboundSMS = "outbound_sms" // the business texted first
)

// StateScheduled is the state of a message scheduled for later.
const StateScheduled = "scheduled"

// TypeOf is the type of a chat of start type startType: any start type but outbound (the
// business opened the chat) is a consumer's SMS chat.
func TypeOf(startType string) string {
	if startType == session.StartOutbound {
		return TypeOutboundSMS
	}
	return TypeSMS
}

// Midnight is the start of now's day in loc.
func Midnight(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// Wait is how long chat s waited in its queue, as of now: from queued to assigned, to ended
// when nobody took it, or to now while it waits; false for a chat never queued. A chat queued
// again (a transfer, an overflow) counts its latest wait.
func Wait(s session.Session, now time.Time) (time.Duration, bool) {
	if s.QueuedAt.IsZero() {
		return 0, false
	}
	end := now
	switch {
	case !s.AssignedAt.IsZero() && !s.AssignedAt.Before(s.QueuedAt):
		end = s.AssignedAt
	case s.State == session.Ended && !s.EndedAt.IsZero():
		end = s.EndedAt
	}
	return nonNegative(end.Sub(s.QueuedAt)), true
}

// Handle is how long an agent has had chat s, as of now: from its latest assignment to its
// end, or to now while in progress; false when no agent has had it since it was last queued.
func Handle(s session.Session, now time.Time) (time.Duration, bool) {
	if s.AssignedAt.IsZero() || s.AssignedAt.Before(s.QueuedAt) {
		return 0, false
	}
	end := now
	if s.State == session.Ended && !s.EndedAt.IsZero() {
		end = s.EndedAt
	} else if s.State != session.Assigned {
		return 0, false
	}
	return nonNegative(end.Sub(s.AssignedAt)), true
}

func nonNegative(d time.Duration) time.Duration { return max(d, 0) }

func seconds(d time.Duration) *int64 {
	s := int64(d / time.Second)
	return &s
}

// Location is the business's time zone for a viewer of lines (every line when lines is nil):
// that of the first of those numbers (in order) that sets one, else config's default.
func Location(numbers []config.Number, lines []string) *time.Location {
	var first *config.Number
	for i, n := range numbers {
		if n.TimeZone == "" || (lines != nil && !contains(lines, n.LineOfBusiness)) {
			continue
		}
		if first == nil || n.Number < first.Number {
			first = &numbers[i]
		}
	}
	if first == nil {
		return config.NewLine(config.Number{}, nil).Location()
	}
	return config.NewLine(*first, nil).Location()
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
