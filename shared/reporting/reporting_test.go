package reporting

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
)

// memStore holds two lines' chats and their rollups in memory.
type memStore struct {
	chats   []session.Session
	rollups []reports.Rollup
}

func (m *memStore) Rollups(_ context.Context, kind string, first, last time.Time) ([]reports.Rollup, error) {
	var out []reports.Rollup
	for _, r := range m.rollups {
		if r.Kind == kind && !r.Day.Before(first) && !r.Day.After(last) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memStore) EachEndedChat(_ context.Context, from, to time.Time, _ int, fn func(session.Session) error) error {
	for _, c := range m.chats {
		if !c.EndedAt.Before(from) && c.EndedAt.Before(to) {
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *memStore) Queues(context.Context) ([]config.Queue, error) {
	return []config.Queue{{ID: "a-q", Name: "A", LineOfBusiness: "a"}, {ID: "b-q", Name: "B", LineOfBusiness: "b"}}, nil
}

func (m *memStore) Teams(context.Context) ([]config.Team, error) {
	return []config.Team{{ID: "ta", Name: "Team A", Queues: []string{"a-q"}, Members: []string{"ana", "al"}}}, nil
}

func (m *memStore) AgentsOfLines(_ context.Context, lines []string) ([]agent.Agent, error) {
	all := []agent.Agent{{ID: "ana", ServesLines: []string{"a"}}, {ID: "al", ServesLines: []string{"a"}}, {ID: "bo", ServesLines: []string{"b"}}}
	if lines == nil {
		return all, nil
	}
	var out []agent.Agent
	for _, a := range all {
		if strings.Contains(strings.Join(lines, ","), a.ServesLines[0]) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *memStore) Numbers(context.Context) ([]config.Number, error) { return nil, nil }

var now = time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC) // a Wednesday

func newMemStore() *memStore {
	m := &memStore{}
	c := reports.Counts{}
	for i, a := range []string{"ana", "ana", "al", "bo"} {
		line := map[string]string{"ana": "a", "al": "a", "bo": "b"}[a]
		ended := now.Add(-time.Duration(i+1) * time.Hour)
		s := session.Session{ID: "C" + a + string(rune('0'+i)), LineOfBusiness: line, State: session.Ended, EndedAt: ended, StartType: session.StartAutoAnswer,
			Visits: []session.QueueVisit{{QueueID: line + "-q", Entered: ended.Add(-10 * time.Minute), Left: ended.Add(-9 * time.Minute), How: session.LeftAnswered, AgentID: a}},
			Legs:   []session.AgentLeg{{AgentID: a, Start: ended.Add(-9 * time.Minute), End: ended, By: session.LegAnswered, Out: session.LegEnded}}}
		m.chats = append(m.chats, s)
		c.Merge(reports.Tally(s, func(string) reports.Thresholds { return reports.QueueThresholds(config.Queue{}) }))
	}
	m.rollups = c.Rollups()
	return m
}

// TestSupervisorsReadTheirLinesAndAgentsNothing: a supervisor of line a gets line a's queue,
// agents, team and chats only; an admin every line; an agent no report.
func TestSupervisorsReadTheirLinesAndAgentsNothing(t *testing.T) {
	sv := &Service{Store: newMemStore(), Now: func() time.Time { return now }}
	ctx := context.Background()
	p := reports.Period{From: now.Add(-24 * time.Hour), To: now, Loc: time.UTC, Grain: reports.Day}
	sup := agent.Agent{ID: "sue", Role: config.RoleSupervisor, ServesLines: []string{"a"}}
	q, err := sv.Report(ctx, sup, Queues, p)
	if err != nil {
		t.Fatal(err)
	}
	rows := q.Rows.([]reports.Row[reports.QueueFigures])
	if len(rows) != 1 || rows[0].ID != "a-q" || rows[0].Total.Handled != 3 || rows[0].Name != "A" {
		t.Errorf("supervisor's queues %+v: want a-q alone, 3 handled", rows)
	}
	as, _ := sv.Report(ctx, sup, Agents, p)
	if rows := as.Rows.([]reports.Row[reports.AgentFigures]); len(rows) != 2 || rows[0].ID != "al" || rows[1].Total.Answered != 2 {
		t.Errorf("supervisor's agents %+v: want al and ana (2 answered)", rows)
	}
	var chats []string
	if err := sv.EachChat(ctx, sup, p, func(r reports.ChatRow) error { chats = append(chats, r.ID); return nil }); err != nil || len(chats) != 3 {
		t.Errorf("supervisor's chats %v, %v: want line a's 3", chats, err)
	}
	admin := agent.Agent{ID: "max", Role: config.RoleAdmin}
	if q, _ := sv.Report(ctx, admin, Queues, p); len(q.Rows.([]reports.Row[reports.QueueFigures])) != 2 {
		t.Errorf("admin's queues %+v: want both lines'", q.Rows)
	}
	var sb strings.Builder
	if err := sv.WriteCSV(ctx, agent.Agent{ID: "ana"}, Chats, p, &sb); !errors.Is(err, ErrForbidden) || sb.Len() != 0 {
		t.Errorf("an agent's chats CSV: %v, %d bytes; want ErrForbidden before anything is written", err, sb.Len())
	}
	if _, err := sv.Report(ctx, agent.Agent{ID: "ana"}, Queues, p); !errors.Is(err, ErrForbidden) {
		t.Errorf("an agent's queues report: %v, want ErrForbidden", err)
	}
}

// TestAnAgentsStatsBesideTheirTeam: Ana answered 2 today, her team (Ana and Al) 3: 1.5 a
// member; the week so far is the same.
func TestAnAgentsStatsBesideTheirTeam(t *testing.T) {
	sv := &Service{Store: newMemStore(), Now: func() time.Time { return now }}
	st, err := sv.Stats(context.Background(), agent.Agent{ID: "ana", ServesLines: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Today.Mine.Answered != 2 || st.Today.Team == nil || st.Today.Team.Answered != 1.5 || st.Week.Mine.Answered != 2 {
		t.Errorf("stats %+v: want 2 today beside the team's 1.5, 2 this week", st)
	}
	if d := st.Today.Mine.AvgDuration; d == nil || *d != 540 {
		t.Errorf("average duration %v, want 540 s", d)
	}
}
