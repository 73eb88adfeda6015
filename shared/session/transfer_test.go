package session

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestAppendByAgent(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	reply := Entry{Author: FromAgent, AgentID: "ana", Body: "hi", Status: StatusPending}
	note := Entry{Author: FromAgent, AgentID: "ana", Kind: "note", Body: "vip"}
	failed := Entry{Author: FromSystem, Kind: KindTransferFailed, Body: "transfer failed"}
	for _, c := range []struct {
		name     string
		s        Session
		entries  []Entry
		want     error
		send     []int
		lastSeen bool // the agent's last text moves to now
	}{
		{"a reply by the holder is sent", Session{State: Assigned, AgentID: "ana", Seq: 4}, []Entry{reply}, nil, []int{5}, true},
		{"a note is stored, not sent", Session{State: Assigned, AgentID: "ana", Seq: 4}, []Entry{note}, nil, nil, false},
		{"a system event is not sent", Session{State: Assigned, AgentID: "ana", Seq: 4}, []Entry{failed, reply}, nil, []int{6}, true},
		{"another agent's chat", Session{State: Assigned, AgentID: "bea", Seq: 4}, []Entry{reply}, ErrNotHeld, nil, false},
		{"the holder's ended chat", Session{State: Ended, AgentID: "ana", Seq: 4}, []Entry{reply}, ErrEnded, nil, false},
	} {
		s := c.s
		a, err := AppendByAgent(&s, "ana", c.entries, now)
		if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
			continue
		}
		if err != nil {
			if s.Seq != c.s.Seq || len(a.Entries) != 0 {
				t.Errorf("%s: a refused change changed the chat: %+v, %+v", c.name, s, a)
			}
			continue
		}
		if !slices.Equal(a.Send, c.send) {
			t.Errorf("%s: send = %v, want %v", c.name, a.Send, c.send)
		}
		if s.Seq != c.s.Seq+len(c.entries) || a.Entries[0].Seq != c.s.Seq+1 || !a.Entries[0].At.Equal(now) {
			t.Errorf("%s: entries %+v not numbered after %d at %v", c.name, a.Entries, c.s.Seq, now)
		}
		if got := s.LastAgentAt.Equal(now); got != c.lastSeen {
			t.Errorf("%s: LastAgentAt = %v", c.name, s.LastAgentAt)
		}
	}
}

func TestTransfer(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	held := Session{State: Assigned, AgentID: "ana", QueueID: "billing", Seq: 2, HeldBy: []string{"ana"}}
	refused := errors.New("Luis is away")
	entries := []Entry{
		{Author: FromSystem, Kind: KindTransferStarted},
		{Author: FromSystem, Kind: "transfer", Status: StatusPending},
		{Author: FromSystem, Kind: KindTransferEnded},
	}
	for _, c := range []struct {
		name      string
		s         Session
		from      string
		to        TransferTarget
		refuse    error
		want      error
		state     State
		agent     string
		queue     string
		handedOut string
	}{
		{"to an agent", held, "ana", TransferTarget{Agent: "luis"}, nil, nil, Assigned, "luis", "billing", "luis"},
		{"to a queue", held, "ana", TransferTarget{Queue: "tech", Priority: 3}, nil, nil, Queued, "", "tech", ""},
		{"refused by the target", held, "ana", TransferTarget{Agent: "luis"}, refused, refused, Assigned, "ana", "billing", ""},
		{"by an agent who does not hold it", held, "bea", TransferTarget{Queue: "tech"}, nil, ErrNotHeld, Assigned, "ana", "billing", ""},
		{"of an ended chat", Session{State: Ended, AgentID: "ana", QueueID: "billing"}, "ana", TransferTarget{Queue: "tech"}, nil, ErrEnded, Ended, "ana", "billing", ""},
	} {
		s := c.s
		s.HeldBy = slices.Clone(c.s.HeldBy)
		h, err := Transfer(&s, c.from, c.to, now, func(before Session) ([]Entry, error) {
			if before.AgentID != c.s.AgentID {
				t.Errorf("%s: the entries saw the chat after it moved", c.name)
			}
			return entries, c.refuse
		})
		if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
		if s.State != c.state || s.AgentID != c.agent || s.QueueID != c.queue || h.To != c.handedOut {
			t.Errorf("%s: chat %s/%q/%s, to %q; want %s/%q/%s, to %q", c.name, s.State, s.AgentID, s.QueueID, h.To, c.state, c.agent, c.queue, c.handedOut)
		}
		if err != nil {
			continue
		}
		if !slices.Equal(h.Send, []int{c.s.Seq + 2}) || len(h.Entries) != 3 || s.Seq != c.s.Seq+3 {
			t.Errorf("%s: appended %+v, send %v", c.name, h.Entries, h.Send)
		}
		if !slices.Contains(s.HeldBy, "ana") || (c.to.Agent != "" && !slices.Contains(s.HeldBy, c.to.Agent)) {
			t.Errorf("%s: held by %v", c.name, s.HeldBy)
		}
		if c.to.Queue != "" && (s.Priority != c.to.Priority || !s.QueuedAt.Equal(now)) {
			t.Errorf("%s: queued at %v with priority %d", c.name, s.QueuedAt, s.Priority)
		}
	}
}
