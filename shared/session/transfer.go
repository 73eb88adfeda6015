package session

import "time"

// TransferTarget is where a chat goes: another agent or a queue.
type TransferTarget struct {
	Agent string
	Queue string
	// Priority is the target queue's, for ordering the chat among those waiting there.
	Priority int
}

// Appended is what a change appends to a chat: its entries as stored (numbered after the
// chat's last, stamped with the change's time, the business and the consumer) and the
// sequence numbers of those that are texts to send.
type Appended struct {
	Entries []Entry
	Send    []int
}

// Handover is a transfer decided: what it appends, and the agent who takes the chat ("" when
// it goes back to a queue), whose load grows by one as the transferring agent's shrinks.
type Handover struct {
	Appended
	To string
}

// AppendByAgent decides an agent's change to chat s at now: only the agent who holds it may
// make one (ActableBy). The entries are appended; those not from the consumer and pending
// are texts to send, and an agent's own text marks when the agent last wrote.
func AppendByAgent(s *Session, agentID string, entries []Entry, now time.Time) (Appended, error) {
	if err := s.ActableBy(agentID); err != nil {
		return Appended{}, err
	}
	for _, e := range entries {
		if e.Author == FromAgent && e.Status == StatusPending {
			s.LastAgentAt = now
		}
	}
	return s.appendEntries(entries, now), nil
}

// Transfer decides a transfer of chat s by agent from at now: only the agent who holds it
// may transfer it (ActableBy). entries sees the chat before it moves and returns what the
// transfer appends, or an error refusing it, returned as is. The chat then goes to the
// target agent, or back to waiting in the target queue.
func Transfer(s *Session, from string, to TransferTarget, now time.Time, entries func(Session) ([]Entry, error)) (Handover, error) {
	if err := s.ActableBy(from); err != nil {
		return Handover{}, err
	}
	es, err := entries(*s)
	if err != nil {
		return Handover{}, err
	}
	if to.Agent != "" {
		s.TransferToAgent(from, to.Agent, now)
	} else {
		s.TransferToQueue(from, to.Queue, to.Priority, now)
	}
	return Handover{Appended: s.appendEntries(es, now), To: to.Agent}, nil
}

// appendEntries numbers entries after the chat's last and stamps them; the outbound pending
// ones are to send.
func (s *Session) appendEntries(entries []Entry, now time.Time) Appended {
	var out Appended
	for _, e := range entries {
		s.Seq++
		e.Seq, e.At, e.Business, e.Phone = s.Seq, now, s.Business, s.Phone
		s.Count(e)
		out.Entries = append(out.Entries, e)
		if e.Outbound() && e.Status == StatusPending {
			out.Send = append(out.Send, e.Seq)
		}
	}
	return out
}

// TransferToAgent hands chat s, held by from, to agent to at now: to holds it from then on,
// and from keeps reading it (they held it).
func (s *Session) TransferToAgent(from, to string, now time.Time) {
	s.Hold(from) // a chat opened for an agent was theirs before any assignment
	s.AgentID, s.AssignedAt = to, now
	s.Hold(to)
	s.endLeg(LegTransferred, now)
	s.Transfers++
	s.connect(to, LegTransfer, now)
}

// TransferToQueue puts chat s, held by from, back to waiting at now in queue (whose priority
// orders it among the chats waiting there).
func (s *Session) TransferToQueue(from, queue string, priority int, now time.Time) {
	s.Hold(from)
	s.endLeg(LegTransferred, now)
	s.Transfers++
	s.AgentID = ""
	s.EnterQueue(queue, priority, now)
}
