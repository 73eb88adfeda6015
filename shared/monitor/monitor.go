package monitor

import (
	"context"
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Store is what monitoring reads. lines nil means every line of business.
type Store interface {
	AgentsOfLines(ctx context.Context, lines []string) ([]agent.Agent, error)
	LiveChats(ctx context.Context, lines []string) ([]session.Session, error)
	EndedSince(ctx context.Context, lines []string, since time.Time, limit int) ([]session.Session, bool, error)
	ScheduledAfter(ctx context.Context, t time.Time, limit int) ([]store.Scheduled, bool, error)
	MissedOffersSince(ctx context.Context, agentIDs []string, since time.Time) (map[string]int, error)
	Queues(ctx context.Context) ([]config.Queue, error)
	Numbers(ctx context.Context) ([]config.Number, error)
}

// Limits on what one view reads: today's past chats and the scheduled messages listed.
const (
	MaxPast      = 200
	MaxScheduled = 100
)

// Monitor loads the state a viewer's view is built from.
type Monitor struct {
	Store Store
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Sees reports whether viewer may see monitoring: supervisors and admins.
func Sees(viewer agent.Agent) bool { return desk.SeesUnattended(viewer) }

// View is viewer's view now, its past chats selected by f. An agent is refused
// (desk.ErrForbidden); a filter naming what the viewer has not got is a *FilterError.
func (m *Monitor) View(ctx context.Context, viewer agent.Agent, f Filter) (View, error) {
	if !Sees(viewer) {
		return View{}, fmt.Errorf("%w: only supervisors and admins see monitoring", desk.ErrForbidden)
	}
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	var lines []string // every line, for an admin
	if viewer.Role != config.RoleAdmin {
		lines = viewer.ServesLines
		if len(lines) == 0 {
			lines = []string{} // a supervisor of no line sees nothing; read nothing
		}
	}
	in, loc, err := m.load(ctx, viewer, lines, now)
	if err != nil {
		return View{}, fmt.Errorf("monitoring for %s: %w", viewer.ID, err)
	}
	in.Filter = f
	if err := f.Check(viewer, in); err != nil {
		return View{}, err
	}
	return Build(now, loc, viewer, in), nil
}

func (m *Monitor) load(ctx context.Context, viewer agent.Agent, lines []string, now time.Time) (Inputs, *time.Location, error) {
	var in Inputs
	var err error
	if in.Numbers, err = m.Store.Numbers(ctx); err != nil {
		return in, nil, err
	}
	loc := Location(in.Numbers, lines)
	if lines != nil && len(lines) == 0 {
		return in, loc, nil
	}
	today := Midnight(now, loc)
	if in.Queues, err = m.Store.Queues(ctx); err != nil {
		return in, nil, err
	}
	if in.Agents, err = m.Store.AgentsOfLines(ctx, lines); err != nil {
		return in, nil, err
	}
	if in.Live, err = m.Store.LiveChats(ctx, lines); err != nil {
		return in, nil, err
	}
	if in.Ended, in.EndedTruncated, err = m.Store.EndedSince(ctx, lines, today, MaxPast); err != nil {
		return in, nil, err
	}
	if in.Scheduled, in.ScheduledTruncated, err = m.Store.ScheduledAfter(ctx, now, MaxScheduled); err != nil {
		return in, nil, err
	}
	var shown []string
	for _, a := range in.Agents {
		if SeesAgent(viewer, a) {
			shown = append(shown, a.ID)
		}
	}
	if in.MissedOffers, err = m.Store.MissedOffersSince(ctx, shown, today); err != nil {
		return in, nil, err
	}
	return in, loc, nil
}
