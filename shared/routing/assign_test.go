package routing

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// memStore is an in-memory Store: assignment reads and changes what it holds.
type memStore struct {
	mu         sync.Mutex
	agentReads int // agents IdlestAgents returned
	agents     map[string]Agent
	chats      map[string]session.Session
	line       config.Line
	// takenFirst, when set, says which candidates another chat takes just before this one
	// commits (the agent is then full).
	takenFirst func(agentID string) bool
}

func (m *memStore) IdlestAgents(_ context.Context, q string, after *Agent, limit int) ([]Agent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Agent
	for _, a := range m.agents {
		if a.Status == AgentAvailable && a.Serves(q) && a.ActiveChats < a.Capacity {
			out = append(out, a)
		}
	}
	before := func(a, b Agent) bool {
		if !a.IdleSince().Equal(b.IdleSince()) {
			return a.IdleSince().Before(b.IdleSince())
		}
		return a.ID < b.ID
	}
	sort.Slice(out, func(i, j int) bool { return before(out[i], out[j]) })
	if after != nil {
		i := sort.Search(len(out), func(i int) bool { return before(*after, out[i]) })
		out = out[i:]
	}
	out = out[:min(limit, len(out))]
	m.agentReads += len(out)
	return out, nil
}

func (m *memStore) QueuedChats(_ context.Context, queues []string, limit int) ([]session.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []session.Session
	for _, c := range m.chats {
		if c.State == session.Queued && slices.Contains(queues, c.QueueID) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Priority != out[j].Priority {
			return out[i].Priority > out[j].Priority
		}
		return out[i].QueuedAt.Before(out[j].QueuedAt)
	})
	return out[:min(limit, len(out))], nil
}

func (m *memStore) Agent(_ context.Context, id string) (Agent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.agents[id], nil
}

func (m *memStore) Line(context.Context, string) (config.Line, error) { return m.line, nil }

func (m *memStore) Assign(_ context.Context, sid string, candidates []Agent, now time.Time, decide func(*session.Session, Agent) (session.Entry, followup.Followups, bool)) (followup.Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, known := range candidates {
		aid := known.ID
		if m.takenFirst != nil && m.takenFirst(aid) {
			a := m.agents[aid]
			a.ActiveChats = a.Capacity
			m.agents[aid] = a
		}
		c, a := m.chats[sid], m.agents[aid]
		e, then, ok := decide(&c, a)
		if !ok {
			continue // the next candidate
		}
		if c.OfferedTo(aid) { // an offer: the chat waits, the agent's offers count one more
			a.Offers++
			m.chats[sid], m.agents[aid] = c, a
			rec := followup.Record{ID: "offer-" + sid, SessionID: sid}
			rec.Add(then)
			return rec, true, nil
		}
		c.Seq++
		a.ActiveChats++
		a.LastAssignedAt = now
		m.chats[sid], m.agents[aid] = c, a
		rec := followup.Record{ID: "assign-" + sid, SessionID: sid, Followups: followup.Followups{Send: []string{e.Body}}}
		rec.Add(then)
		return rec, true, nil
	}
	return followup.Record{}, false, nil
}

// carriedOut records the follow-ups handed to it.
type carriedOut struct {
	mu   sync.Mutex
	recs []followup.Record
	err  error
}

func (c *carriedOut) AfterCommit(_ context.Context, r followup.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recs = append(c.recs, r)
	return c.err
}

func newRouter(agents []Agent, chats ...session.Session) (*Router, *memStore, *carriedOut) {
	m := &memStore{agents: map[string]Agent{}, chats: map[string]session.Session{},
		line: config.NewLine(config.Number{Number: "+18005550100", DefaultLanguage: "en"}, nil)}
	for _, a := range agents {
		m.agents[a.ID] = a
	}
	for _, c := range chats {
		m.chats[c.ID] = c
	}
	f := &carriedOut{}
	return &Router{Store: m, Followups: f, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, m, f
}

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func agentOf(id string, idle time.Duration, capacity int, langs ...string) Agent {
	return Agent{ID: id, Name: id, Status: AgentAvailable, Capacity: capacity, ServesQueues: []string{"billing"}, Languages: langs, StatusAt: t0.Add(-idle)}
}

func queued(id, lang string, waited time.Duration, priority int) session.Session {
	return session.Session{ID: id, Business: "+18005550100", State: session.Queued, QueueID: "billing", Language: lang,
		QueuedAt: t0.Add(-waited), Priority: priority}
}

func TestAssignChatGivesTheChatToTheLongestIdleAgentAndLeavesTheNoticeToSend(t *testing.T) {
	r, m, f := newRouter([]Agent{agentOf("ana", time.Minute, 2, "en"), agentOf("luis", time.Hour, 2, "en")}, queued("C1", "en", 0, 0))
	if err := r.AssignChat(context.Background(), m.chats["C1"]); err != nil {
		t.Fatal(err)
	}
	if c := m.chats["C1"]; c.State != session.Assigned || c.AgentID != "luis" {
		t.Fatalf("chat = %s with %q, want assigned to luis (idle longest)", c.State, c.AgentID)
	}
	if len(f.recs) != 1 {
		t.Fatalf("follow-ups = %+v, want one record", f.recs)
	}
	rec := f.recs[0]
	if len(rec.Send) != 1 || rec.Send[0] != "You're now chatting with luis." {
		t.Errorf("sends = %q, want the assigned notice", rec.Send)
	}
	if !slices.Contains(rec.Events, chatevents.Event{Type: chatevents.Connected, SessionID: "C1"}) {
		t.Errorf("events = %+v, want connected (the CRM records the chat)", rec.Events)
	}
	if len(rec.Timers) == 0 {
		t.Error("no timers planned for the assigned chat")
	}
}

func TestAssignChatWithNoFreeAgentLeavesTheChatWaiting(t *testing.T) {
	full := agentOf("ana", time.Hour, 1, "en")
	full.ActiveChats = 1
	r, m, f := newRouter([]Agent{full, agentOf("bea", time.Hour, 2, "es")}, queued("C1", "en", 0, 0))
	if err := r.AssignChat(context.Background(), m.chats["C1"]); err != nil {
		t.Fatal(err)
	}
	if c := m.chats["C1"]; c.State != session.Queued || len(f.recs) != 0 {
		t.Errorf("chat = %s, follow-ups %+v; want it still waiting, nothing to do", c.State, f.recs)
	}
}

func TestAssignmentStandsWhenItsFollowupsFail(t *testing.T) {
	r, m, f := newRouter([]Agent{agentOf("ana", time.Hour, 2, "en")}, queued("C1", "en", 0, 0))
	f.err = errors.New("publish to sms-outbound: unavailable")
	if err := r.AssignChat(context.Background(), m.chats["C1"]); err != nil {
		t.Fatalf("AssignChat = %v; the assignment committed, the relay sends its notice", err)
	}
	if m.chats["C1"].AgentID != "ana" {
		t.Error("chat not assigned")
	}
}

func TestFillAgentTakesWaitingChatsByPriorityThenAgeUpToCapacityInTheirLanguages(t *testing.T) {
	ana := agentOf("ana", time.Hour, 2, "en")
	ana.Status = AgentOffline
	r, m, _ := newRouter([]Agent{ana},
		queued("old", "en", 10*time.Minute, 0), queued("new", "en", time.Minute, 0),
		queued("urgent", "en", 0, 5), queued("spanish", "es", time.Hour, 9))
	if err := r.FillAgent(context.Background(), "ana"); err != nil {
		t.Fatal(err)
	}
	for _, c := range m.chats {
		if c.State != session.Queued {
			t.Errorf("an offline agent got chat %s", c.ID)
		}
	}
	ana.Status = AgentAvailable
	m.agents["ana"] = ana
	if err := r.FillAgent(context.Background(), "ana"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, id := range []string{"urgent", "old", "new", "spanish"} {
		if m.chats[id].AgentID == "ana" {
			got = append(got, id)
		}
	}
	if !slices.Equal(got, []string{"urgent", "old"}) {
		t.Errorf("ana took %q, want urgent then old (priority, then first in), up to her capacity of 2", got)
	}
	if a := m.agents["ana"]; a.ActiveChats != 2 {
		t.Errorf("ana has %d chats", a.ActiveChats)
	}
}
