package desk

import (
	"testing"

	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
)

func TestCanRead(t *testing.T) {
	ana := routing.Agent{ID: "ana", Role: "agent", ServesLines: []string{"retail"}}
	luis := routing.Agent{ID: "luis", Role: "agent", ServesLines: []string{"retail"}}
	dora := routing.Agent{ID: "dora", Role: "supervisor", ServesLines: []string{"retail"}}
	otto := routing.Agent{ID: "otto", Role: "supervisor", ServesLines: []string{"wholesale"}}
	root := routing.Agent{ID: "root", Role: "admin"}
	held := session.Session{ID: "c1", LineOfBusiness: "retail", AgentID: "luis", HeldBy: []string{"ana", "luis"}, State: session.Ended}
	unattended := session.Session{ID: "c2", LineOfBusiness: "retail", State: session.Ended}
	for _, c := range []struct {
		name   string
		viewer routing.Agent
		chat   session.Session
		want   bool
	}{
		{"the agent who held it before a transfer", ana, held, true},
		{"the agent who holds it last", luis, held, true},
		{"an agent of the line who never held it", ana, unattended, false},
		{"the line's supervisor, any chat", dora, held, true},
		{"the line's supervisor, a chat no agent had", dora, unattended, true},
		{"another line's supervisor", otto, unattended, false},
		{"an admin", root, unattended, true},
		{"nobody", routing.Agent{}, unattended, false},
	} {
		if got := CanRead(c.viewer, c.chat); got != c.want {
			t.Errorf("%s: CanRead = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSeesContactAndRecord(t *testing.T) {
	agent := routing.Agent{ID: "ana", Role: "agent"}
	sup := routing.Agent{ID: "dora", Role: "supervisor"}
	admin := routing.Agent{ID: "root", Role: "admin"}
	none := map[string]bool{}
	other := map[string]bool{"c1": false}
	mine := map[string]bool{"c1": false, "c2": true}
	for _, c := range []struct {
		name     string
		viewer   routing.Agent
		readable map[string]bool
		want     bool
	}{
		{"agent, contact without chats", agent, none, false},
		{"supervisor, contact without chats", sup, none, true},
		{"agent, only others' chats", agent, other, false},
		{"supervisor, only others' lines", sup, other, false},
		{"agent, one of theirs", agent, mine, true},
		{"admin, others' chats", admin, other, true},
	} {
		if got := SeesContact(c.viewer, c.readable); got != c.want {
			t.Errorf("%s: SeesContact = %v, want %v", c.name, got, c.want)
		}
	}
	if SeesRecord(mine, []string{"c1"}) || !SeesRecord(mine, []string{"c1", "c2"}) || SeesRecord(mine, nil) {
		t.Error("SeesRecord shows a record by a chat that may not be read, or hides one that may")
	}
}

func TestSeesAgent(t *testing.T) {
	ana := routing.Agent{ID: "ana", Role: "agent", ServesLines: []string{"retail"}}
	luis := routing.Agent{ID: "luis", Role: "agent", ServesLines: []string{"retail"}}
	wes := routing.Agent{ID: "wes", Role: "agent", ServesLines: []string{"wholesale"}}
	dora := routing.Agent{ID: "dora", Role: "supervisor", ServesLines: []string{"retail"}}
	root := routing.Agent{ID: "root", Role: "admin"}
	for _, c := range []struct {
		name         string
		viewer, seen routing.Agent
		want         bool
	}{
		{"an agent themselves", ana, ana, true},
		{"an agent, a colleague", ana, luis, false},
		{"a supervisor, an agent of their line", dora, luis, true},
		{"a supervisor, an agent of another line", dora, wes, false},
		{"an admin, anyone", root, wes, true},
	} {
		if got := SeesAgent(c.viewer, c.seen); got != c.want {
			t.Errorf("%s: SeesAgent = %v, want %v", c.name, got, c.want)
		}
	}
}
