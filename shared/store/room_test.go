package store

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TestAgentsWithRoomFollowTheirLoad: a wait estimate's free capacity reads the available
// agents with room only, and who has room follows every assignment and every chat that
// leaves an agent.
func TestAgentsWithRoomFollowTheirLoad(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	now := time.Now().UTC()
	for id, capacity := range map[string]int{"ana": 2, "bob": 1, "cy": 1} {
		if _, err := s.agentRef(id).Set(ctx, map[string]any{"id": id, "servesQueues": []string{"root"}, "capacity": capacity}); err != nil {
			t.Fatal(err)
		}
		status := agent.Available
		if id == "cy" {
			status = agent.Away
		}
		if err := s.SetAgentStatus(ctx, id, status, now, nil); err != nil {
			t.Fatal(err)
		}
	}
	withRoom := func(want ...string) {
		t.Helper()
		before := m.Snapshot()
		got, err := s.AgentsWithRoom(ctx, "root", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		slices.Sort(ids)
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("agents with room: %v, want %v", ids, want)
		}
		if r := m.Snapshot().Sub(before).Reads; r != int64(max(len(want), 1)) {
			t.Errorf("agents with room read %d agents, want %d", r, max(len(want), 1))
		}
	}
	withRoom("ana", "bob")

	assign := func(chat, to string) {
		t.Helper()
		c := session.Session{ID: chat, Business: "+18005550100", Phone: "+15550001111", State: session.Queued, QueueID: "root", QueuedAt: now}
		if _, err := s.sessionRef(chat).Set(ctx, c); err != nil {
			t.Fatal(err)
		}
		_, ok, err := s.Assign(ctx, chat, []agent.Agent{{ID: to}}, now, func(c *session.Session, _ agent.Agent) (session.Entry, followup.Followups, bool) {
			c.State, c.AgentID, c.AssignedAt = session.Assigned, to, now
			return session.Entry{Author: session.FromSystem, Kind: "assigned", Body: "hi"}, followup.Followups{}, true
		})
		if err != nil || !ok {
			t.Fatalf("assign %s to %s: %v, %v", chat, to, ok, err)
		}
	}
	assign("c1", "bob")
	withRoom("ana")
	assign("c2", "ana")
	withRoom("ana")
	assign("c3", "ana")
	withRoom()

	// Bob's chat ends: he has room again.
	_, _, err := s.ChangeChat(ctx, "c1", "end", func(_ session.Consumer, c session.Session) (session.Outcome, followup.Followups, error) {
		c.State, c.EndedAt = session.Ended, now
		return session.Outcome{Session: &c, FreedAgent: "bob"}, followup.Followups{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	withRoom("bob")
}

// TestAnAgentsRoomFollowsTheirCapacity: an agent full at capacity 1 is offered no chat; the
// admin API raising their capacity to 2 offers them the next at once, and a catalog load
// setting it back to 1 stops it, without waiting for their next status change or chat.
func TestAnAgentsRoomFollowsTheirCapacity(t *testing.T) {
	s, _, ctx := meteredTestStore(t)
	now := time.Now().UTC()
	catalog := config.Catalog{
		Numbers: []config.Number{{Number: "+18005550100", LineOfBusiness: "shop", EntryQueue: "root", DefaultLanguage: "en", Brand: "Shop"}},
		Queues:  []config.Queue{{ID: "root", Name: "Root", LineOfBusiness: "shop"}},
		Agents:  []config.Agent{{ID: "ana", Name: "Ana", Queues: []string{"root"}, Capacity: 1}},
	}
	if err := s.LoadCatalog(ctx, catalog); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAgentStatus(ctx, "ana", agent.Available, now, nil); err != nil {
		t.Fatal(err)
	}
	c := session.Session{ID: "c1", Business: "+18005550100", Phone: "+15550001111", State: session.Queued, QueueID: "root", QueuedAt: now}
	if _, err := s.sessionRef("c1").Set(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Assign(ctx, "c1", []agent.Agent{{ID: "ana"}}, now, func(c *session.Session, _ agent.Agent) (session.Entry, followup.Followups, bool) {
		c.State, c.AgentID, c.AssignedAt = session.Assigned, "ana", now
		return session.Entry{Author: session.FromSystem, Kind: "assigned", Body: "hi"}, followup.Followups{}, true
	}); err != nil || !ok {
		t.Fatalf("assign: %v, %v", ok, err)
	}
	offered := func(when string, want bool) {
		t.Helper()
		got, err := s.IdlestAgents(ctx, "root", nil, 3)
		if err != nil {
			t.Fatal(err)
		}
		if (len(got) == 1) != want {
			t.Errorf("%s: the assignment's page holds %d agents, want ana offered chats = %v", when, len(got), want)
		}
	}
	offered("full at capacity 1", false)

	if err := s.UpdateCatalog(ctx, func(c *config.Catalog) error {
		c.Agents[0].Capacity = 2
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	offered("capacity raised to 2 through the admin API", true)

	if err := s.LoadCatalog(ctx, catalog); err != nil {
		t.Fatal(err)
	}
	offered("capacity 1 again from a catalog load", false)
}

// TestAnAssignmentFromAPageReadsOnlyTheChat: an agent taken from the assignment's page is
// committed on as the page read them, without a second read; when they took another chat in
// between, the commit fails and the next attempt reads them again, so their load is never
// written from a stale read.
func TestAnAssignmentFromAPageReadsOnlyTheChat(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	now := time.Now().UTC()
	if _, err := s.agentRef("ana").Set(ctx, map[string]any{"id": "ana", "servesQueues": []string{"root"}, "capacity": 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAgentStatus(ctx, "ana", agent.Available, now, nil); err != nil {
		t.Fatal(err)
	}
	assign := func(chat string, a agent.Agent) {
		t.Helper()
		c := session.Session{ID: chat, Business: "+18005550100", Phone: "+15550001111", State: session.Queued, QueueID: "root", QueuedAt: now}
		if _, err := s.sessionRef(chat).Set(ctx, c); err != nil {
			t.Fatal(err)
		}
		_, ok, err := s.Assign(ctx, chat, []agent.Agent{a}, now, func(c *session.Session, a agent.Agent) (session.Entry, followup.Followups, bool) {
			if !a.Free() {
				return session.Entry{}, followup.Followups{}, false
			}
			c.State, c.AgentID, c.AssignedAt = session.Assigned, a.ID, now
			return session.Entry{Author: session.FromSystem, Kind: "assigned", Body: "hi"}, followup.Followups{}, true
		})
		if err != nil || !ok {
			t.Fatalf("assign %s to %s: %v, %v", chat, a.ID, ok, err)
		}
	}
	page := func() agent.Agent {
		t.Helper()
		got, err := s.IdlestAgents(ctx, "root", nil, 3)
		if err != nil || len(got) != 1 || got[0].Version.IsZero() {
			t.Fatalf("page = %+v, %v; want ana with her version", got, err)
		}
		return got[0]
	}

	ana := page()
	before := m.Snapshot()
	assign("c1", ana)
	if r := m.Snapshot().Sub(before).Reads; r != 1 {
		t.Errorf("an assignment from a page read %d documents (%v), want 1: the chat", r, m.ByCollection())
	}

	stale := page()
	assign("c2", agent.Agent{ID: "ana"}) // she takes another chat after the page was read
	assign("c3", stale)
	a, err := s.Agent(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if a.ActiveChats != 3 || a.Free() {
		t.Errorf("ana holds %d chats (free %v), want 3 and full: the stale page's load was not written", a.ActiveChats, a.Free())
	}
}

// TestAChatThatLosesItsAgentGoesToTheNextOfThePage: when the longest idle of the page took
// another chat since the page was read, the chat goes to the next of the page, still without
// reading either agent, rather than trying the first again.
func TestAChatThatLosesItsAgentGoesToTheNextOfThePage(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	now := time.Now().UTC()
	for i, id := range []string{"ana", "bob"} {
		if _, err := s.agentRef(id).Set(ctx, map[string]any{"id": id, "servesQueues": []string{"root"}, "capacity": 3}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetAgentStatus(ctx, id, agent.Available, now.Add(time.Duration(i)*time.Second), nil); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.IdlestAgents(ctx, "root", nil, 3)
	if err != nil || len(page) != 2 || page[0].ID != "ana" {
		t.Fatalf("page = %+v, %v; want ana, then bob", page, err)
	}
	take := func(c *session.Session, a agent.Agent) (session.Entry, followup.Followups, bool) {
		c.State, c.AgentID, c.AssignedAt = session.Assigned, a.ID, now
		return session.Entry{Author: session.FromSystem, Kind: "assigned", Body: "hi"}, followup.Followups{}, true
	}
	for _, chat := range []string{"c1", "c2"} {
		c := session.Session{ID: chat, Business: "+18005550100", Phone: "+15550001111", State: session.Queued, QueueID: "root", QueuedAt: now}
		if _, err := s.sessionRef(chat).Set(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, err := s.Assign(ctx, "c1", []agent.Agent{{ID: "ana"}}, now, take); err != nil || !ok {
		t.Fatalf("assign c1 to ana: %v, %v", ok, err)
	}
	before := m.Snapshot()
	if _, ok, err := s.Assign(ctx, "c2", page, now, take); err != nil || !ok {
		t.Fatalf("assign c2 from the page: %v, %v", ok, err)
	}
	if r := m.Snapshot().Sub(before).Reads; r != 1 {
		t.Errorf("the assignment read %d documents (%v), want 1: the chat", r, m.ByCollection())
	}
	c, err := s.Session(ctx, "c2")
	if err != nil || c.AgentID != "bob" {
		t.Errorf("c2 went to %q (%v), want bob: ana had changed since the page", c.AgentID, err)
	}
}
