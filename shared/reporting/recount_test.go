package reporting

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// recountStore holds texts, drops and rollups in memory; numbers +1800555010x are line a's,
// +18005550200 line b's, and it has no chat.
type recountStore struct {
	memStore
	texts []session.Entry
	drops []store.BlockedDrop
}

func (r *recountStore) EachAcceptedText(_ context.Context, from, to time.Time, _ int, fn func(string, session.Entry) error) error {
	for i, e := range r.texts {
		if !e.AcceptedAt.Before(from) && e.AcceptedAt.Before(to) {
			if err := fn("consumers/c/messages/N"+string(rune('a'+i)), e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *recountStore) EachBlockedDrop(_ context.Context, from, to time.Time, _ int, fn func(store.BlockedDrop) error) error {
	for _, d := range r.drops {
		if !d.At.Before(from) && d.At.Before(to) {
			if err := fn(d); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *recountStore) Line(_ context.Context, number string) (config.Line, error) {
	lob := "a"
	if number == "+18005550200" {
		lob = "b"
	}
	return config.NewLine(config.Number{Number: number, LineOfBusiness: lob}, nil), nil
}

// TestRecountRecomputesTextsAndDrops: the recount counts the accepted one-way and bulk texts
// and the blocked numbers' drops as their tallies did, names a counter the rollups lack or
// hold twice, and keeps to the lines asked for.
func TestRecountRecomputesTextsAndDrops(t *testing.T) {
	day := time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)
	at := day.Add(6*time.Hour + 30*time.Minute)
	st := &recountStore{
		texts: []session.Entry{
			{Business: "+18005550100", Notification: true, Kind: session.KindNotification, Segments: 2, AcceptedAt: at},
			{Business: "+18005550101", Notification: true, Kind: session.KindBulk, Segments: 1, AcceptedAt: at},
			{Business: "+18005550200", Notification: true, Kind: session.KindBulk, Segments: 1, AcceptedAt: at},
		},
		drops: []store.BlockedDrop{{ID: "CA1", Channel: reports.DropCall, LineOfBusiness: "a", At: at}, {ID: "SM1", Channel: reports.DropText, LineOfBusiness: "b", At: at}},
	}
	tallied := reports.Counts{}
	for _, e := range st.texts {
		line, _ := st.Line(context.Background(), e.Business)
		tallied.Merge(reports.Text(line.Number.LineOfBusiness, e))
	}
	for _, d := range st.drops {
		tallied.Merge(reports.Drop(d.LineOfBusiness, d.Channel, d.At))
	}
	st.rollups = tallied.Rollups()
	if diffs, err := Recount(context.Background(), st, day, day, nil); err != nil || len(diffs) > 0 {
		t.Fatalf("recount of what was tallied = %v, %q; want no difference", err, diffs)
	}

	// Line a's bulk text tallied twice, line b's drop never: both named, each with its line.
	tallied.Add(reports.KindLine, "a", at, reports.BulkTexts, 1)
	tallied[reports.RollupID(reports.KindLine, "b", at)][reports.HourPath(at, reports.BlockedTexts)] = 0
	st.rollups = tallied.Rollups()
	diffs, err := Recount(context.Background(), st, day, day, nil)
	if err != nil || len(diffs) != 2 || !strings.Contains(diffs[0], "l_a_20260308 h.06.bulkTexts: recount 1, rollups 2") ||
		!strings.Contains(diffs[1], "l_b_20260308 h.06.blockedTexts: recount 1, rollups 0") {
		t.Errorf("recount = %v, %q; want line a's bulk texts and line b's blocked texts named", err, diffs)
	}
	if diffs, err := Recount(context.Background(), st, day, day, []string{"b"}); err != nil || len(diffs) != 1 || !strings.Contains(diffs[0], "l_b_") {
		t.Errorf("recount of line b = %v, %q; want only line b's difference", err, diffs)
	}
}
