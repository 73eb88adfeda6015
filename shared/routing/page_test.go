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

// TestAnAssignmentReadsTheSameAgentsWithManyAgents: a chat joining a queue reads one page of
// the longest-idle agents, with 20 agents as with 200.
func TestAnAssignmentReadsTheSameAgentsWithManyAgents(t *testing.T) {
	for _, n := range []int{20, 200} {
		r, m, _ := newRouter(manyAgents(n, 0), queued("C1", "en", 0, 0))
		if err := r.AssignChat(context.Background(), m.chats["C1"]); err != nil {
			t.Fatal(err)
		}
		if c := m.chats["C1"]; c.AgentID != "agent-000" {
			t.Errorf("%d agents: chat went to %q, want agent-000 (idle longest)", n, c.AgentID)
		}
		if m.agentReads != assignPage {
			t.Errorf("%d agents: the assignment read %d agents, want one page (%d)", n, m.agentReads, assignPage)
		}
	}
}

// TestAnAssignmentLooksPastFullAgents: when the longest idle are full, the next pages are
// read until a free agent takes the chat; with every agent full, no more than assignPages
// pages are read and the chat waits.
func TestAnAssignmentLooksPastFullAgents(t *testing.T) {
	r, m, _ := newRouter(manyAgents(200, 25), queued("C1", "en", 0, 0))
	if err := r.AssignChat(context.Background(), m.chats["C1"]); err != nil {
		t.Fatal(err)
	}
	if c := m.chats["C1"]; c.AgentID != "agent-025" {
		t.Errorf("chat went to %q, want agent-025 (the longest idle with capacity)", c.AgentID)
	}
	if m.agentReads != 3*assignPage {
		t.Errorf("read %d agents, want three pages", m.agentReads)
	}

	r, m, f := newRouter(manyAgents(200, 200), queued("C2", "en", 0, 0))
	if err := r.AssignChat(context.Background(), m.chats["C2"]); err != nil {
		t.Fatal(err)
	}
	if c := m.chats["C2"]; c.State != session.Queued || len(f.recs) != 0 {
		t.Errorf("chat = %s with %q, want it waiting", c.State, c.AgentID)
	}
	if m.agentReads != assignPages*assignPage {
		t.Errorf("with every agent full: read %d agents, want at most %d pages", m.agentReads, assignPages)
	}
}
