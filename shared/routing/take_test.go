package routing

import (
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

func TestTake(t *testing.T) {
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	free := Agent{ID: "a1", Name: "Ana", Status: AgentAvailable, Capacity: 2, ActiveChats: 1}
	tests := []struct {
		name  string
		state session.State
		a     Agent
		want  bool
	}{
		{"queued chat, free agent", session.Queued, free, true},
		{"chat no longer queued", session.Assigned, free, false},
		{"agent full", session.Queued, Agent{ID: "a1", Status: AgentAvailable, Capacity: 2, ActiveChats: 2}, false},
		{"agent away", session.Queued, Agent{ID: "a1", Status: AgentAway, Capacity: 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := session.Session{ID: "S1", State: tt.state, QueueID: "q1"}
			e, then, ok := Take(config.Line{}, &s, tt.a, now)
			if ok != tt.want {
				t.Fatalf("Take = %v, want %v", ok, tt.want)
			}
			if !ok {
				if s.State != tt.state || s.AgentID != "" {
					t.Errorf("refused take changed the chat: %s, agent %q", s.State, s.AgentID)
				}
				return
			}
			if s.State != session.Assigned || s.AgentID != "a1" || !s.AssignedAt.Equal(now) {
				t.Errorf("chat after take: %s, agent %q, at %v", s.State, s.AgentID, s.AssignedAt)
			}
			if e.Kind != "assigned" || e.AgentID != "a1" || len(then.Events) != 1 {
				t.Errorf("take wrote %+v and left %+v", e, then)
			}
		})
	}
}
