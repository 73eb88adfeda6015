package session

import (
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/compliance"
)

// How a chat left a queue it waited in (QueueVisit.How).
const (
	LeftAnswered    = "answered"    // an agent connected (auto answer or accepted offer)
	LeftOverflowed  = "overflowed"  // the queue's wait timeout moved it to the overflow queue
	LeftTransferred = "transferred" // transferred from the queue (kept for completeness)
	LeftEnded       = "ended"       // the chat ended while waiting (abandoned, timed out)
	LeftAfterHours  = "after_hours" // the queue was closed: the chat ended on arrival
)

// How an agent's part of a chat began and ended (AgentLeg.By, AgentLeg.Out).
const (
	LegAnswered    = "answered"    // from a queue: assigned or accepted
	LegTransfer    = "transfer"    // handed over by another agent
	LegOpened      = "opened"      // the business opened the chat for this agent
	LegTransferred = "transferred" // the agent transferred it on
	LegEnded       = "ended"       // the chat ended in the agent's hands
)

// QueueVisit is one stay of a chat in a leaf queue, so reports count the chat in every
// queue it was offered to and as handled in the one where it was answered.
type QueueVisit struct {
	QueueID string    `firestore:"queueId" json:"queue"`
	Entered time.Time `firestore:"entered" json:"entered"`
	Left    time.Time `firestore:"left,omitempty" json:"left,omitzero"`
	How     string    `firestore:"how,omitempty" json:"how,omitempty"`
	AgentID string    `firestore:"agentId,omitempty" json:"agent,omitempty"` // who answered
}

// AgentLeg is one agent's part of a chat, from connecting to transferring it on or its end.
type AgentLeg struct {
	AgentID string    `firestore:"agentId" json:"agent"`
	Start   time.Time `firestore:"start" json:"start"`
	End     time.Time `firestore:"end,omitempty" json:"end,omitzero"`
	By      string    `firestore:"by" json:"by"`
	Out     string    `firestore:"out,omitempty" json:"out,omitempty"`
}

// Traffic counts a chat's messages to or from the consumer and their carrier segments.
type Traffic struct {
	Messages int `firestore:"messages" json:"messages"`
	Segments int `firestore:"segments" json:"segments"`
}

// Counts are a chat's messages by author.
type Counts struct {
	Consumer Traffic `firestore:"consumer" json:"consumer"`
	Agent    Traffic `firestore:"agent" json:"agent"`
	System   Traffic `firestore:"system" json:"system"`
}

// Count adds entry e to the chat's counters, notes its seq when it is Notable, and notes the
// first agent message after the chat connected. Only texts that reach or come from the
// consumer count: internal lines (events, transfer notes) and the carrier's own keyword
// replies are not billed to us.
func (s *Session) Count(e Entry) {
	if e.Notable() {
		s.NotableSeq = max(s.NotableSeq, e.Seq)
	}
	var t *Traffic
	switch {
	case e.Author == FromConsumer:
		t = &s.Counts.Consumer
		if s.FirstText == "" {
			s.FirstText = cutText(e.Body, 160)
		}
	case e.Status != StatusPending && e.Status != StatusScheduled:
		return
	case e.Author == FromAgent:
		t = &s.Counts.Agent
		if !s.ConnectedAt.IsZero() && s.FirstResponseAt.IsZero() {
			s.FirstResponseAt = e.At
		}
	default:
		t = &s.Counts.System
	}
	t.Messages++
	if e.Segments > 0 {
		t.Segments += e.Segments
	} else {
		t.Segments += compliance.Segments(e.Body)
	}
}

// EnterQueue puts the chat to wait in leaf queue id at now, remembering the visit.
func (s *Session) EnterQueue(id string, priority int, now time.Time) {
	s.leaveQueue(LeftTransferred, "", now)
	s.State, s.QueueID, s.QueuedAt, s.Priority = Queued, id, now, priority
	s.QueueRank = QueueRank(priority, now)
	s.Visits = append(s.Visits, QueueVisit{QueueID: id, Entered: now})
}

// AwaitCall makes the chat wait in leaf queue id at now for the agent who answers its call
// (AwaitingCall), remembering the visit: the queue's agents are not offered it.
func (s *Session) AwaitCall(id string, priority int, now time.Time) {
	s.EnterQueue(id, priority, now)
	s.State = AwaitingCall
}

// closedQueue records that the chat came to queue id while it was closed.
func (s *Session) closedQueue(id string, now time.Time) {
	s.Visits = append(s.Visits, QueueVisit{QueueID: id, Entered: now, Left: now, How: LeftAfterHours})
}

// leaveQueue closes the open visit, if any, as how.
func (s *Session) leaveQueue(how, agentID string, now time.Time) {
	if n := len(s.Visits); n > 0 && s.Visits[n-1].Left.IsZero() {
		v := &s.Visits[n-1]
		v.Left, v.How, v.AgentID = now, how, agentID
	}
}

// connect starts agentID's leg of the chat at now, begun by by.
func (s *Session) connect(agentID, by string, now time.Time) {
	if s.ConnectedAt.IsZero() {
		s.ConnectedAt = now
	}
	s.Legs = append(s.Legs, AgentLeg{AgentID: agentID, Start: now, By: by})
}

// answered records that agentID answered the waiting chat at now.
func (s *Session) answered(agentID string, now time.Time) {
	s.leaveQueue(LeftAnswered, agentID, now)
	s.connect(agentID, LegAnswered, now)
}

// OpenedFor records that the business opened the chat for agentID at now.
func (s *Session) OpenedFor(agentID string, now time.Time) { s.connect(agentID, LegOpened, now) }

// endLeg closes the open agent leg, if any, as out.
func (s *Session) endLeg(out string, now time.Time) {
	if n := len(s.Legs); n > 0 && s.Legs[n-1].End.IsZero() {
		s.Legs[n-1].End, s.Legs[n-1].Out = now, out
	}
}

// finish closes what is open when the chat ends at now.
func (s *Session) finish(now time.Time) {
	s.leaveQueue(LeftEnded, "", now)
	s.endLeg(LegEnded, now)
}

func cutText(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// QueueRank is the place of a chat of the given priority queued at at among the chats waiting
// in its queue, as a string that sorts as agents take them: a higher priority first (the
// complement of the priority's order-preserving unsigned form), then the earlier queued, to
// the microsecond Firestore keeps.
func QueueRank(priority int, at time.Time) string {
	p := ^(uint64(int64(priority)) ^ 1<<63)
	return fmt.Sprintf("%016x.%s", p, at.UTC().Truncate(time.Microsecond).Format("20060102T150405.000000"))
}
