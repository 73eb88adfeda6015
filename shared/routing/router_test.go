package routing

import (
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/session"
)

func TestCandidatesAreFreeServingSpeakingAndLongestIdleFirst(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	agent := func(id string, idle time.Duration, mods ...func(*Agent)) Agent {
		a := Agent{ID: id, Status: AgentAvailable, Capacity: 2, ServesQueues: []string{"q"}, Languages: []string{"en"}, StatusAt: t0.Add(-idle)}
		for _, m := range mods {
			m(&a)
		}
		return a
	}
	agents := []Agent{
		agent("recent", time.Minute),
		agent("longest", time.Hour),
		agent("full", 2*time.Hour, func(a *Agent) { a.ActiveChats = 2 }),
		agent("away", 3*time.Hour, func(a *Agent) { a.Status = AgentAway }),
		agent("other-queue", 4*time.Hour, func(a *Agent) { a.ServesQueues = []string{"x"} }),
		agent("spanish", 5*time.Hour, func(a *Agent) { a.Languages = []string{"es"} }),
		agent("assigned-lately", 6*time.Hour, func(a *Agent) { a.LastAssignedAt = t0.Add(-30 * time.Second) }),
	}
	got := Candidates(agents, session.Session{QueueID: "q", Language: "en"})
	var ids []string
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	if want := "longest,recent,assigned-lately"; join(ids) != want {
		t.Errorf("candidates = %s, want %s", join(ids), want)
	}
	if got := Candidates(agents, session.Session{QueueID: "q", Language: "es"}); len(got) != 1 || got[0].ID != "spanish" {
		t.Errorf("Spanish chat candidates = %+v", got)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}
