package reporting

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/monitor"
	"github.com/smsdesk/smsdesk/shared/reports"
)

// Figures are an agent's (or their team's average) chats answered and average duration.
type Figures struct {
	Answered    float64  `json:"answered"`
	AvgDuration *float64 `json:"avgDurationSeconds"`
}

// Span is one agent's figures over a span (today, this week) beside their team's average.
type Span struct {
	From time.Time `json:"from"`
	Mine Figures   `json:"mine"`
	// Team is the average per member of the agent's teams (absent when in none).
	Team *Figures `json:"team,omitempty"`
}

// Stats are an agent's own statistics.
type Stats struct {
	Agent    string   `json:"agent"`
	TimeZone string   `json:"timeZone"`
	Team     []string `json:"team,omitempty"` // the members averaged
	Today    Span     `json:"today"`
	Week     Span     `json:"week"`
}

// Stats are viewer's figures today and this week (from Monday) in their lines' time zone,
// beside the average of the members of their teams. Any agent reads their own.
func (sv *Service) Stats(ctx context.Context, viewer agent.Agent) (Stats, error) {
	now := time.Now()
	if sv.Now != nil {
		now = sv.Now()
	}
	numbers, err := sv.Store.Numbers(ctx)
	if err != nil {
		return Stats{}, err
	}
	loc := monitor.Location(numbers, viewer.ServesLines)
	teams, err := sv.Store.Teams(ctx)
	if err != nil {
		return Stats{}, err
	}
	var members []string
	for _, t := range teams {
		if slices.Contains(t.Members, viewer.ID) {
			for _, m := range t.Members {
				if !slices.Contains(members, m) {
					members = append(members, m)
				}
			}
		}
	}
	l := now.In(loc)
	y, m, d := l.Date()
	weekStart := time.Date(y, m, d-(int(l.Weekday())+6)%7, 0, 0, 0, 0, loc) // Monday, as ISO weeks
	today := monitor.Midnight(now, loc)
	p := reports.Period{From: weekStart, To: now, Loc: loc, Grain: reports.Day}
	first, last := reports.Days(p)
	rs, err := sv.Store.Rollups(ctx, reports.KindAgent, first, last)
	if err != nil {
		return Stats{}, fmt.Errorf("stats of %s: %w", viewer.ID, err)
	}
	st := Stats{Agent: viewer.ID, TimeZone: loc.String(), Team: members}
	span := func(from time.Time) Span {
		sp := Span{From: from}
		if !now.After(from) {
			return sp
		}
		pp := reports.Period{From: from, To: now, Loc: loc, Grain: reports.Month}
		ids := append([]string{viewer.ID}, members...)
		sums := reports.Sum(pp, reports.KindAgent, rs)
		total := func(id string) map[string]int64 {
			if s := sums[id]; s != nil {
				return s[len(s)-1]
			}
			return map[string]int64{}
		}
		mine := total(viewer.ID)
		sp.Mine = figures(mine, 1)
		if len(members) > 0 {
			team := map[string]int64{}
			for _, m := range ids[1:] {
				for k, v := range total(m) {
					team[k] += v
				}
			}
			f := figures(team, len(members))
			sp.Team = &f
		}
		return sp
	}
	st.Today, st.Week = span(today), span(weekStart)
	return st, nil
}

func figures(m map[string]int64, members int) Figures {
	f := Figures{Answered: float64(m[reports.Answered]) / float64(members)}
	if n := m[reports.HandleCount]; n > 0 {
		a := float64(m[reports.HandleSum]) / float64(n)
		f.AvgDuration = &a
	}
	return f
}
