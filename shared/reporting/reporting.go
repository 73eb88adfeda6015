// Package reporting serves the reports to the people allowed to read them: supervisors their
// lines' queues, agents and chats, admins everything; it loads the rollups (or, for the chats
// report, the chats) a report needs and builds it with package reports.
package reporting

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Store is what reports read. lines nil means every line of business.
type Store interface {
	Rollups(ctx context.Context, kind string, first, last time.Time) ([]reports.Rollup, error)
	EachEndedChat(ctx context.Context, from, to time.Time, pageSize int, fn func(session.Session) error) error
	Queues(ctx context.Context) ([]config.Queue, error)
	Teams(ctx context.Context) ([]config.Team, error)
	AgentsOfLines(ctx context.Context, lines []string) ([]agent.Agent, error)
	Numbers(ctx context.Context) ([]config.Number, error)
}

// Kinds of reports.
const (
	Queues = "queues"
	Agents = "agents"
	Teams  = "teams"
	Types  = "types"
	Chats  = "chats"
)

// ErrForbidden reports a viewer whose role reads no reports (agents).
var ErrForbidden = errors.New("only supervisors and admins read reports")

// ErrUnknownReport reports a report kind that does not exist.
var ErrUnknownReport = errors.New("no such report; use queues, agents, teams, types or chats")

// Service builds reports for their viewers.
type Service struct {
	Store Store
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// PeriodJSON is the reporting period as reports show it.
type PeriodJSON struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	TimeZone string    `json:"timeZone"`
	Grain    string    `json:"grain"`
}

// Report is a report's JSON: the period, and rows (queues, agents, teams) or buckets and the
// total (types).
type Report struct {
	Report  string             `json:"report"`
	Period  PeriodJSON         `json:"period"`
	Rows    any                `json:"rows,omitempty"`
	Buckets []reports.TypesRow `json:"buckets,omitempty"`
	Total   *reports.TypesRow  `json:"total,omitempty"`
	Names   map[string]string  `json:"names,omitempty"`
}

// JSONPeriod is p as reports show it.
func JSONPeriod(p reports.Period) PeriodJSON {
	return PeriodJSON{From: p.From.In(p.Loc), To: p.To.In(p.Loc), TimeZone: p.Loc.String(), Grain: string(p.Grain)}
}

// scope is what a viewer may read: lines nil for every line.
type scope struct {
	lines  []string
	queues []config.Queue
	agents []agent.Agent
}

// MayRead reports whether viewer reads reports at all: supervisors (their lines) and admins.
func MayRead(viewer agent.Agent) bool {
	return viewer.Role == config.RoleAdmin || viewer.Role == config.RoleSupervisor
}

func (s scope) hasLine(l string) bool { return s.lines == nil || slices.Contains(s.lines, l) }

func (sv *Service) scope(ctx context.Context, viewer agent.Agent, withAgents bool) (scope, error) {
	var sc scope
	switch viewer.Role {
	case config.RoleAdmin:
	case config.RoleSupervisor:
		sc.lines = append([]string{}, viewer.ServesLines...)
	default:
		return sc, ErrForbidden
	}
	qs, err := sv.Store.Queues(ctx)
	if err != nil {
		return sc, err
	}
	for _, q := range qs {
		if sc.hasLine(q.LineOfBusiness) {
			sc.queues = append(sc.queues, q)
		}
	}
	if withAgents && (sc.lines == nil || len(sc.lines) > 0) {
		if sc.agents, err = sv.Store.AgentsOfLines(ctx, sc.lines); err != nil {
			return sc, err
		}
		slices.SortFunc(sc.agents, func(a, b agent.Agent) int { return cmpString(a.ID, b.ID) })
	}
	return sc, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Report builds report kind (not chats: see EachChat) over p for viewer.
func (sv *Service) Report(ctx context.Context, viewer agent.Agent, kind string, p reports.Period) (Report, error) {
	rs, err := sv.Reports(ctx, viewer, p, kind)
	if err != nil {
		return Report{Report: kind, Period: JSONPeriod(p), Names: map[string]string{}}, err
	}
	return rs[0], nil
}

// rollupKinds are the rollups each report reads.
var rollupKinds = map[string]string{Queues: reports.KindQueue, Agents: reports.KindAgent, Teams: reports.KindAgent, Types: reports.KindLine}

// Reports builds reports kinds over p for viewer at once (a page showing several): the
// viewer's scope is read once, and each kind of rollup once (the agents and teams reports
// share the agents').
func (sv *Service) Reports(ctx context.Context, viewer agent.Agent, p reports.Period, kinds ...string) ([]Report, error) {
	withAgents := false
	for _, k := range kinds {
		if rollupKinds[k] == "" {
			return nil, ErrUnknownReport
		}
		withAgents = withAgents || k == Agents || k == Teams
	}
	sc, err := sv.scope(ctx, viewer, withAgents)
	if err != nil {
		return nil, err
	}
	first, last := reports.Days(p)
	loaded := map[string][]reports.Rollup{}
	out := make([]Report, 0, len(kinds))
	for _, kind := range kinds {
		rk := rollupKinds[kind]
		rs, ok := loaded[rk]
		if !ok {
			if rs, err = sv.Store.Rollups(ctx, rk, first, last); err != nil {
				return nil, fmt.Errorf("%s report: %w", kind, err)
			}
			loaded[rk] = rs
		}
		rep, err := sv.build(ctx, sc, kind, p, rs)
		if err != nil {
			return nil, err
		}
		out = append(out, rep)
	}
	return out, nil
}

// build is report kind over p within scope sc, from its rollups rs.
func (sv *Service) build(ctx context.Context, sc scope, kind string, p reports.Period, rs []reports.Rollup) (Report, error) {
	out := Report{Report: kind, Period: JSONPeriod(p), Names: map[string]string{}}
	switch kind {
	case Queues:
		var ids []string
		for _, q := range sc.queues {
			if !isMenu(sc.queues, q.ID) {
				ids = append(ids, q.ID)
				out.Names[q.ID] = q.Name
			}
		}
		rows := reports.Queues(p, ids, rs)
		for i := range rows {
			rows[i].Name = out.Names[rows[i].ID]
		}
		out.Rows = rows
	case Agents:
		var ids []string
		for _, a := range sc.agents {
			ids = append(ids, a.ID)
			out.Names[a.ID] = a.Name
		}
		rows := reports.Agents(p, ids, rs)
		for i := range rows {
			rows[i].Name = out.Names[rows[i].ID]
		}
		out.Rows = rows
	case Teams:
		teams, err := sv.Store.Teams(ctx)
		if err != nil {
			return out, err
		}
		var ts []reports.Team
		for _, t := range teams {
			if sc.lines == nil || slices.ContainsFunc(sc.queues, func(q config.Queue) bool { return slices.Contains(t.Queues, q.ID) }) {
				ts = append(ts, reports.Team{ID: t.ID, Members: t.Members})
				out.Names[t.ID] = t.Name
			}
		}
		out.Rows = reports.Teams(p, ts, rs)
	case Types:
		lines := sc.lines
		if lines == nil {
			for _, r := range rs {
				if !slices.Contains(lines, r.ID) {
					lines = append(lines, r.ID)
				}
			}
		}
		b, total := reports.Types(p, lines, rs)
		out.Buckets, out.Total = b, &total
	}
	return out, nil
}

// PageSize is how many chats the chats report reads at a time.
const PageSize = 1000

// EachChat calls fn with the row of every chat viewer may read that ended in p, oldest
// first, streaming: at most PageSize chats are held at a time.
func (sv *Service) EachChat(ctx context.Context, viewer agent.Agent, p reports.Period, fn func(reports.ChatRow) error) error {
	sc, err := sv.scope(ctx, viewer, false)
	if err != nil {
		return err
	}
	th := map[string]reports.Thresholds{}
	for _, q := range sc.queues {
		th[q.ID] = reports.QueueThresholds(q)
	}
	thresholds := func(id string) reports.Thresholds {
		if t, ok := th[id]; ok {
			return t
		}
		return reports.QueueThresholds(config.Queue{})
	}
	return sv.Store.EachEndedChat(ctx, p.From, p.To, PageSize, func(s session.Session) error {
		if !sc.hasLine(s.LineOfBusiness) {
			return nil
		}
		return fn(reports.Chat(s, thresholds))
	})
}

// isMenu reports whether queue id has children: a menu holds no chats.
func isMenu(qs []config.Queue, id string) bool {
	return slices.ContainsFunc(qs, func(q config.Queue) bool { return q.Parent == id })
}
