package reporting

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// RecountStore is what a recount reads: the chats, their thresholds, the texts sent outside
// chats, the blocked numbers' drops and the rollups.
type RecountStore interface {
	Rollups(ctx context.Context, kind string, first, last time.Time) ([]reports.Rollup, error)
	EachEndedChat(ctx context.Context, from, to time.Time, pageSize int, fn func(session.Session) error) error
	EachAcceptedText(ctx context.Context, from, to time.Time, pageSize int, fn func(path string, e session.Entry) error) error
	EachBlockedDrop(ctx context.Context, from, to time.Time, pageSize int, fn func(store.BlockedDrop) error) error
	Line(ctx context.Context, number string) (config.Line, error)
}

// Recount recomputes from the chats, the one-way and bulk texts and the blocked numbers'
// drops themselves the rollups of the UTC days first to last
// and lists where the stored rollups differ (nothing: they agree). lines, when not nil,
// keeps the recount to those lines of business (their queues, lines and the agents of their
// chats).
func Recount(ctx context.Context, st RecountStore, first, last time.Time, lines []string) ([]string, error) {
	want := reports.Counts{}
	queues, agents := map[string]bool{}, map[string]bool{}
	lineOf := map[string]config.Line{}
	lineFor := func(number string) (config.Line, error) {
		line, ok := lineOf[number]
		if !ok {
			l, err := st.Line(ctx, number)
			if err != nil {
				return l, err
			}
			line, lineOf[number] = l, l
		}
		return line, nil
	}
	wanted := func(lob string) bool { return lines == nil || slices.Contains(lines, lob) }
	from, to := first, last.Add(24*time.Hour)
	err := st.EachEndedChat(ctx, from, to, PageSize, func(s session.Session) error {
		if !wanted(s.LineOfBusiness) {
			return nil
		}
		line, err := lineFor(s.Business)
		if err != nil {
			return fmt.Errorf("chat %s: %w", s.ID, err)
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
	err = st.EachAcceptedText(ctx, from, to, PageSize, func(path string, e session.Entry) error {
		line, err := lineFor(e.Business)
		if errors.Is(err, store.ErrNotFound) {
			return nil // a number no longer configured: its texts count in no line
		}
		if err != nil {
			return fmt.Errorf("text %s: %w", path, err)
		}
		if wanted(line.Number.LineOfBusiness) {
			want.Merge(reports.Text(line.Number.LineOfBusiness, e))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recount texts: %w", err)
	}
	err = st.EachBlockedDrop(ctx, from, to, PageSize, func(d store.BlockedDrop) error {
		if wanted(d.LineOfBusiness) {
			want.Merge(reports.Drop(d.LineOfBusiness, d.Channel, d.At))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recount blocked drops: %w", err)
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
