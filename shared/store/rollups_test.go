package store

import (
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TestATallyCountsAChatOnceAndReportsReadTheRollups: an ended chat tallied twice (a
// redelivered follow-up) adds its figures once; the rollups read back as the report's input,
// and the ended chats page in order.
func TestATallyCountsAChatOnceAndReportsReadTheRollups(t *testing.T) {
	s, ctx := newTestStore(t)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var chats []session.Session
	for i := range 5 {
		at := day.Add(time.Duration(9+i) * time.Hour)
		c := session.Session{ID: "Cr" + string(rune('a'+i)), Business: "+18005550100", LineOfBusiness: "shop", State: session.Ended,
			StartType: session.StartAutoAnswer, CreatedAt: at, EndedAt: at.Add(10 * time.Minute),
			Visits: []session.QueueVisit{{QueueID: "root", Entered: at, Left: at.Add(time.Duration(30+i) * time.Second), How: session.LeftAnswered, AgentID: "ana"}},
			Legs:   []session.AgentLeg{{AgentID: "ana", Start: at.Add(time.Duration(30+i) * time.Second), End: at.Add(10 * time.Minute), By: session.LegAnswered, Out: session.LegEnded}}}
		if _, err := s.fs.Collection(colSessions).Doc(c.ID).Set(ctx, c); err != nil {
			t.Fatal(err)
		}
		chats = append(chats, c)
	}
	tallier := &reports.Tallier{Store: s}
	for _, c := range chats {
		for range 2 {
			if err := tallier.Tally(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ok, err := s.Tallied(ctx, chats[0].ID); err != nil || !ok {
		t.Fatalf("tallied %v, %v; want true", ok, err)
	}
	rs, err := s.Rollups(ctx, reports.KindQueue, day, day)
	if err != nil {
		t.Fatal(err)
	}
	p := reports.Period{From: day, To: day.Add(24 * time.Hour), Loc: time.UTC, Grain: reports.Day}
	q := reports.Queues(p, []string{"root"}, rs)[0].Total
	if q.Offered != 5 || q.Handled != 5 || q.MaxWait != 34 || *q.AvgWait != 32 || *q.ServiceLevel != 1 {
		t.Errorf("queue figures %+v: want 5 offered and handled once each, waits 30..34 s", q)
	}
	as, err := s.Rollups(ctx, reports.KindAgent, day, day)
	if err != nil {
		t.Fatal(err)
	}
	if a := reports.Agents(p, []string{"ana"}, as)[0].Total; a.Answered != 5 {
		t.Errorf("ana answered %d, want 5", a.Answered)
	}
	var seen []string
	if err := s.EachEndedChat(ctx, day, day.Add(24*time.Hour), 2, func(c session.Session) error {
		seen = append(seen, c.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 5 || seen[0] != "Cra" || seen[4] != "Cre" {
		t.Errorf("ended chats %v, want the 5 in order of their end", seen)
	}
}

// TestABulkSendsTextsSpreadOverTheLinesRollupAndAddUp: 60 bulk texts accepted at once each
// count in their line's day. The line's counters are spread over shards, so a 50 MPS send does
// not write one document 50 times a second (Firestore sustains about one), and the report
// adds the shards up to every text and segment.
func TestABulkSendsTextsSpreadOverTheLinesRollupAndAddUp(t *testing.T) {
	s, ctx := newTestStore(t)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	const texts = 60
	var wg sync.WaitGroup
	for range texts {
		wg.Go(func() {
			e := session.Entry{Kind: session.KindBulk, Notification: true, AcceptedAt: at, Segments: 2}
			if err := s.AddCounts(ctx, reports.Text("shop", e)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	day := at.Truncate(24 * time.Hour)
	rs, err := s.Rollups(ctx, reports.KindLine, day, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) < 2 {
		t.Errorf("the line's day is %d document(s): every text wrote the same one", len(rs))
	}
	p := reports.Period{From: day, To: at.Add(time.Hour), Loc: time.UTC, Grain: reports.Day}
	total := reports.Sum(p, reports.KindLine, rs)["shop"]
	if len(total) == 0 {
		t.Fatal("no figures for the line")
	}
	if got := total[len(total)-1]; got[reports.BulkTexts] != texts || got[reports.BulkSegments] != 2*texts {
		t.Errorf("the line's day counts %d bulk texts and %d segments, want %d and %d", got[reports.BulkTexts], got[reports.BulkSegments], texts, 2*texts)
	}
}
