package monitor

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// memStore holds monitoring's state in memory and records what it was asked.
type memStore struct {
	agents []agent.Agent
	chats  []session.Session
	reads  int
	lines  [][]string
	since  time.Time
	missed []string
}

func (m *memStore) ofLines(lines []string, line string) bool {
	return lines == nil || slices.Contains(lines, line)
}

func (m *memStore) AgentsOfLines(_ context.Context, lines []string) ([]agent.Agent, error) {
	m.reads++
	m.lines = append(m.lines, lines)
	var out []agent.Agent
	for _, a := range m.agents {
		if lines == nil || slices.ContainsFunc(a.ServesLines, func(l string) bool { return slices.Contains(lines, l) }) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *memStore) LiveChats(_ context.Context, lines []string) ([]session.Session, error) {
	m.reads++
	var out []session.Session
	for _, s := range m.chats {
		if s.State != session.Ended && m.ofLines(lines, s.LineOfBusiness) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *memStore) EndedSince(_ context.Context, lines []string, since time.Time, limit int) ([]session.Session, bool, error) {
	m.reads++
	m.since = since
	var out []session.Session
	for _, s := range m.chats {
		if s.State == session.Ended && !s.EndedAt.Before(since) && m.ofLines(lines, s.LineOfBusiness) {
			out = append(out, s)
		}
	}
	return out[:min(limit, len(out))], len(out) > limit, nil
}

func (m *memStore) ScheduledAfter(context.Context, time.Time, int) ([]store.Scheduled, bool, error) {
	m.reads++
	return nil, false, nil
}

func (m *memStore) MissedOffersSince(_ context.Context, ids []string, _ time.Time) (map[string]int, error) {
	m.reads++
	m.missed = ids
	out := map[string]int{}
	for _, id := range ids {
		out[id] = 1
	}
	return out, nil
}

func (m *memStore) Queues(context.Context) ([]config.Queue, error) { m.reads++; return queues, nil }

func (m *memStore) Numbers(context.Context) ([]config.Number, error) {
	m.reads++
	return []config.Number{{Number: "+18005550100", LineOfBusiness: "retail", TimeZone: "America/Chicago"}}, nil
}

func newMonitor() (*Monitor, *memStore) {
	ended := chat("ended", "retail", "r-tech", session.Ended)
	ended.EndedAt = ago(time.Minute)
	other := chat("other", "wholesale", "w-orders", session.Queued)
	st := &memStore{agents: []agent.Agent{ana, wes, iris}, chats: []session.Session{ended, other}}
	return &Monitor{Store: st, Now: func() time.Time { return now }}, st
}

func TestMonitorRefusesAgents(t *testing.T) {
	m, st := newMonitor()
	_, err := m.View(context.Background(), ana, Filter{})
	if !errors.Is(err, desk.ErrForbidden) {
		t.Fatalf("an agent's view: %v, want ErrForbidden", err)
	}
	if st.reads != 0 {
		t.Errorf("refusing an agent read %d times", st.reads)
	}
}

func TestMonitorLoadsTheSupervisorsLines(t *testing.T) {
	m, st := newMonitor()
	v, err := m.View(context.Background(), iris, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.lines) != 1 || !slices.Equal(st.lines[0], []string{"retail"}) {
		t.Errorf("agents read for lines %v, want [retail]", st.lines)
	}
	if want := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC); !st.since.Equal(want) || !v.Today.Equal(want) {
		t.Errorf("today read since %v, view's today %v; want Chicago's midnight %v", st.since, v.Today, want)
	}
	if !slices.Equal(st.missed, []string{"ana", "iris"}) {
		t.Errorf("missed offers counted for %v, want the agents shown", st.missed)
	}
	if got := rowIDs(v.Chats.Past); !slices.Equal(got, []string{"ended"}) || len(v.Chats.Future) != 0 {
		t.Errorf("past %v, future %v", got, rowIDs(v.Chats.Future))
	}
	if v.Agents[0].MissedOffersToday != 1 {
		t.Errorf("Ana's missed offers = %d", v.Agents[0].MissedOffersToday)
	}
}

func TestMonitorRefusesUnknownFilters(t *testing.T) {
	m, _ := newMonitor()
	_, err := m.View(context.Background(), iris, Filter{Queue: "w-orders"})
	var fe *FilterError
	if !errors.As(err, &fe) || fe.Param != "queue" {
		t.Fatalf("another line's queue: %v, want a FilterError on queue", err)
	}
}

func TestMonitorOfASupervisorWithoutLines(t *testing.T) {
	m, st := newMonitor()
	v, err := m.View(context.Background(), agent.Agent{ID: "sam", Role: config.RoleSupervisor}, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if st.reads != 1 || len(v.Agents)+len(v.Queues)+len(v.Chats.Past)+len(v.Chats.Future)+len(v.Chats.InProgress) != 0 || v.Agents == nil {
		t.Errorf("a supervisor of no line: %d reads, view %+v; want only the numbers read and an empty view", st.reads, v)
	}
}
