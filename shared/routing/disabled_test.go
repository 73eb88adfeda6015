package routing

import (
	"context"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/session"
)

// A disabled agent whose status still says available (they were disabled mid-shift) is
// neither offered a queued chat nor filled with waiting ones; the chat goes to someone else.
func TestDisabledAgentIsNeverGivenAChat(t *testing.T) {
	ana := agentOf("ana", 2*time.Hour, 3, "en") // idle longest: would be first
	ana.Disabled = true
	r, m, _ := newRouter([]Agent{ana, agentOf("luis", time.Minute, 3, "en")}, queued("C1", "en", 0, 0), queued("C2", "en", time.Minute, 0))
	if got := Candidates([]Agent{ana}, m.chats["C1"]); len(got) != 0 {
		t.Errorf("candidates = %+v, want none: ana is disabled", got)
	}
	if err := r.FillAgent(context.Background(), "ana"); err != nil {
		t.Fatal(err)
	}
	for _, c := range m.chats {
		if c.State != session.Queued {
			t.Fatalf("disabled ana was filled with chat %s", c.ID)
		}
	}
	if err := r.AssignChat(context.Background(), m.chats["C1"]); err != nil {
		t.Fatal(err)
	}
	if c := m.chats["C1"]; c.AgentID != "luis" {
		t.Errorf("chat C1 went to %q, want luis (ana is disabled)", c.AgentID)
	}
}
