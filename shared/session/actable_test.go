package session

import (
	"errors"
	"testing"
)

func TestActableBy(t *testing.T) {
	for _, c := range []struct {
		name  string
		s     Session
		agent string
		want  error
	}{
		{"the holder of a live chat", Session{State: Assigned, AgentID: "ana"}, "ana", nil},
		{"another agent", Session{State: Assigned, AgentID: "ana"}, "bea", ErrNotHeld},
		{"the last holder of an ended chat", Session{State: Ended, AgentID: "ana"}, "ana", ErrEnded},
		{"another agent, ended chat", Session{State: Ended, AgentID: "ana"}, "bea", ErrNotHeld},
		{"a former holder, chat back in a queue", Session{State: Queued, HeldBy: []string{"ana"}}, "ana", ErrNotHeld},
		{"no agent at all", Session{State: Ended}, "", ErrNotHeld},
	} {
		if err := c.s.ActableBy(c.agent); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("%s: ActableBy = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestHoldRemembersEveryHolderOnce(t *testing.T) {
	var s Session
	s.Hold("ana")
	s.Hold("")
	s.Hold("luis")
	s.Hold("ana")
	s.AgentID = "luis"
	if len(s.HeldBy) != 2 || !s.Held("ana") || !s.Held("luis") || s.Held("bea") || s.Held("") {
		t.Errorf("HeldBy = %q", s.HeldBy)
	}
}
