package routing

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/session"
)

// manyAgents are n available agents of queue billing, agent-000 idle longest; the first full
// of them are at capacity.
func manyAgents(n, full int) []Agent {
	out := make([]Agent, n)
	for i := range out {
		out[i] = agentOf(fmt.Sprintf("agent-%03d", i), time.Duration(n-i)*time.Minute, 1, "en")
		if i < full {
			out[i].ActiveChats = 1
		}
	}
	return out
}

// TestAnAssignmentReadsTheSameAgentsWithManyAgents: a chat joining a queue reads the longest
// idle agent alone, who takes it, with 20 agents as with 200.
func TestAnAssignmentReadsTheSameAgentsWithManyAgents(t *testing.T) {
	for _, n := range []int{20, 200} {
		r, m, _ := newRouter(manyAgents(n, 0), queued("C1", "en", 0, 0))
		if err := r.AssignChat(context.Background(), m.chats["C1"]); err != nil {
			t.Fatal(err)
		}
		if c := m.chats["C1"]; c.AgentID != "agent-000" {
			t.Errorf("%d agents: chat went to %q, want agent-000 (idle longest)", n, c.AgentID)
		}
		if m.agentReads != firstPage {
			t.Errorf("%d agents: the assignment read %d agents, want the first page's (%d): the longest idle", n, m.agentReads, firstPage)
		}
	}
}

// TestAnAssignmentLooksPastAgentsWhoCannotTakeIt: full agents are not read at all; when the
// longest idle with room cannot take the chat (they do not speak its language) the next pages
// are read until one can; when none of assignPages pages can, the chat waits.
func TestAnAssignmentLooksPastAgentsWhoCannotTakeIt(t *testing.T) {
	agents := manyAgents(200, 25)
	for i := 25; i < 32; i++ {
		agents[i].Languages = []string{"fr"}
	}
	r, m, _ := newRouter(agents, queued("C1", "en", 0, 0))
	if err := r.AssignChat(context.Background(), m.chats["C1"]); err != nil {
		t.Fatal(err)
	}
	if c := m.chats["C1"]; c.AgentID != "agent-032" {
		t.Errorf("chat went to %q, want agent-032 (the longest idle with room who speaks English)", c.AgentID)
	}
	if m.agentReads != firstPage+3*assignPage {
		t.Errorf("read %d agents, want the first page and three more past the 7 who speak only French, and none of the 25 full", m.agentReads)
	}

	agents = manyAgents(200, 0)
	for i := range agents {
		agents[i].Languages = []string{"fr"}
	}
	r, m, f := newRouter(agents, queued("C2", "en", 0, 0))
	if err := r.AssignChat(context.Background(), m.chats["C2"]); err != nil {
		t.Fatal(err)
	}
	if c := m.chats["C2"]; c.State != session.Queued || len(f.recs) != 0 {
		t.Errorf("chat = %s with %q, want it waiting", c.State, c.AgentID)
	}
	if want := firstPage + (assignPages-1)*assignPage; m.agentReads != want {
		t.Errorf("with no agent who can take it: read %d agents, want %d, at most %d pages", m.agentReads, want, assignPages)
	}
}

// TestAChatWhoseAgentsOtherChatsTookLooksAgain: when other chats arriving at once take every
// agent of the pages before this one commits, the chat looks again from the longest idle and
// goes to the first agent still free, rather than waiting with agents free.
func TestAChatWhoseAgentsOtherChatsTookLooksAgain(t *testing.T) {
	r, m, _ := newRouter(manyAgents(200, 0), queued("C1", "en", 0, 0))
	offered := 0
	m.takenFirst = func(string) bool {
		offered++
		return offered <= firstPage+(assignPages-1)*assignPage // the first round's agents
	}
	if err := r.AssignChat(context.Background(), m.chats["C1"]); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("agent-%03d", firstPage+(assignPages-1)*assignPage)
	if c := m.chats["C1"]; c.AgentID != want {
		t.Errorf("chat = %s with %q, want it with %s, the longest idle still free", c.State, c.AgentID, want)
	}
}

// TestAChatThatNoLongerWaitsReadsNoMoreAgents: a chat another agent took meanwhile (a
// redelivered assignment) stops at the first agent, who cannot take it.
func TestAChatThatNoLongerWaitsReadsNoMoreAgents(t *testing.T) {
	r, m, _ := newRouter(manyAgents(200, 0), queued("C1", "en", 0, 0))
	stale := m.chats["C1"]
	taken := stale
	taken.State, taken.AgentID = session.Assigned, "someone"
	m.chats["C1"] = taken
	if err := r.AssignChat(context.Background(), stale); err != nil {
		t.Fatal(err)
	}
	if c := m.chats["C1"]; c.AgentID != "someone" {
		t.Errorf("chat moved to %q", c.AgentID)
	}
	if m.agentReads != firstPage {
		t.Errorf("read %d agents for a chat already taken, want %d", m.agentReads, firstPage)
	}
}
