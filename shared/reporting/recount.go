package reporting

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
)

// RecountStore is what a recount reads: the chats, their thresholds and the rollups.
type RecountStore interface {
	Rollups(ctx context.Context, kind string, first, last time.Time) ([]reports.Rollup, error)
	EachEndedChat(ctx context.Context, from, to time.Time, pageSize int, fn func(session.Session) error) error
	Line(ctx context.Context, number string) (config.Line, error)
}

// Recount recomputes from the chats themselves the rollups of the UTC days first to last
// and lists where the stored rollups differ (nothing: they agree). lines, when not nil,
// keeps the recount to those lines of business (their queues, lines and the agents of their
// chats).
func Recount(ctx context.Context, st RecountStore, first, last time.Time, lines []string) ([]string, error) {
	want := reports.Counts{}
	queues, agents := map[string]bool{}, map[string]bool{}
	lineOf := map[string]config.Line{}
	err := st.EachEndedChat(ctx, first, last.Add(24*time.Hour), PageSize, func(s session.Session) error {
		if lines != nil && !slices.Contains(lines, s.LineOfBusiness) {
			return nil
		}
		line, ok := lineOf[s.Business]
		if !ok {
			l, err := st.Line(ctx, s.Business)
			if err != nil {
				return fmt.Errorf("chat %s: %w", s.ID, err)
			}
			line, lineOf[s.Business] = l, l
		}
		for _, v := range s.Visits {
			queues[v.QueueID] = true
		}
		for _, l := range s.Legs {
			agents[l.AgentID] = true
		}
		want.Merge(reports.Tally(s, func(id string) reports.Thresholds {
			q, _ := line.Queue(id)
			return reports.QueueThresholds(q)
		}))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recount: %w", err)
	}
	var stored []reports.Rollup
	for _, kind := range []string{reports.KindQueue, reports.KindAgent, reports.KindLine} {
		rs, err := st.Rollups(ctx, kind, first, last)
		if err != nil {
			return nil, err
		}
		stored = append(stored, rs...)
	}
	keep := func(r reports.Rollup) bool {
		switch {
		case lines == nil:
			return true
		case r.Kind == reports.KindLine:
			return slices.Contains(lines, r.ID)
		case r.Kind == reports.KindQueue:
			return queues[r.ID]
		}
		return agents[r.ID]
	}
	return reports.Diff(want.Rollups(), stored, keep), nil
}
