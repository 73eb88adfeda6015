package session

import "time"

// TransferToAgent hands chat s, held by from, to agent to at now: to holds it from then on,
// and from keeps reading it (they held it).
func (s *Session) TransferToAgent(from, to string, now time.Time) {
	s.Hold(from) // a chat opened for an agent was theirs before any assignment
	s.AgentID, s.AssignedAt = to, now
	s.Hold(to)
}

// TransferToQueue puts chat s, held by from, back to waiting at now in queue (whose priority
// orders it among the chats waiting there).
func (s *Session) TransferToQueue(from, queue string, priority int, now time.Time) {
	s.Hold(from)
	s.State, s.AgentID, s.QueueID, s.QueuedAt, s.Priority = Queued, "", queue, now, priority
}
