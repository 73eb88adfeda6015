package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/internal/emulatortest"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// monitorStore is a store on a Firestore project of its own on the emulator.
func monitorStore(t *testing.T) (*store.Store, *firestore.Client, context.Context) {
	t.Helper()
	emulatortest.Firestore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	fs, err := firestore.NewClient(ctx, fmt.Sprintf("monitor-%d", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	return store.New(fs), fs, ctx
}

func put(t *testing.T, ctx context.Context, ref *firestore.DocumentRef, v any) {
	t.Helper()
	if _, err := ref.Set(ctx, v); err != nil {
		t.Fatalf("write %s: %v", ref.Path, err)
	}
}

var midnight = time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)

func sessionIDs(ss []session.Session) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func TestLiveAndEndedChats(t *testing.T) {
	s, fs, ctx := monitorStore(t)
	for _, c := range []session.Session{
		{ID: "menu", LineOfBusiness: "retail", State: session.InMenu},
		{ID: "queued", LineOfBusiness: "retail", State: session.Queued, QueuedAt: midnight.Add(time.Hour)},
		{ID: "talking", LineOfBusiness: "retail", State: session.Assigned, AgentID: "ana"},
		{ID: "w-queued", LineOfBusiness: "wholesale", State: session.Queued},
		{ID: "ended-1", LineOfBusiness: "retail", State: session.Ended, EndedAt: midnight.Add(1 * time.Hour)},
		{ID: "ended-2", LineOfBusiness: "retail", State: session.Ended, EndedAt: midnight.Add(2 * time.Hour)},
		{ID: "ended-3", LineOfBusiness: "retail", State: session.Ended, EndedAt: midnight.Add(3 * time.Hour)},
		{ID: "yesterday", LineOfBusiness: "retail", State: session.Ended, EndedAt: midnight.Add(-time.Minute)},
		{ID: "w-ended", LineOfBusiness: "wholesale", State: session.Ended, EndedAt: midnight.Add(90 * time.Minute)},
	} {
		put(t, ctx, fs.Collection("sessions").Doc(c.ID), c)
	}

	live, err := s.LiveChats(ctx, []string{"retail"})
	if got := sessionIDs(live); err != nil || !sameSet(got, "menu", "queued", "talking") {
		t.Errorf("retail's live chats = %v, %v", got, err)
	}
	live, err = s.LiveChats(ctx, nil)
	if got := sessionIDs(live); err != nil || !sameSet(got, "menu", "queued", "talking", "w-queued") {
		t.Errorf("every live chat = %v, %v", got, err)
	}

	for _, tc := range []struct {
		lines     []string
		limit     int
		want      []string
		truncated bool
	}{
		{[]string{"retail"}, 10, []string{"ended-3", "ended-2", "ended-1"}, false},
		{[]string{"retail"}, 2, []string{"ended-3", "ended-2"}, true},
		{[]string{"retail", "wholesale"}, 10, []string{"ended-3", "ended-2", "w-ended", "ended-1"}, false},
		{[]string{"retail", "wholesale"}, 3, []string{"ended-3", "ended-2", "w-ended"}, true},
		{nil, 4, []string{"ended-3", "ended-2", "w-ended", "ended-1"}, false},
		{nil, 3, []string{"ended-3", "ended-2", "w-ended"}, true},
	} {
		got, truncated, err := s.EndedSince(ctx, tc.lines, midnight, tc.limit)
		if ids := sessionIDs(got); err != nil || !slices.Equal(ids, tc.want) || truncated != tc.truncated {
			t.Errorf("EndedSince(%v, limit %d) = %v truncated %v, %v; want %v truncated %v", tc.lines, tc.limit, ids, truncated, err, tc.want, tc.truncated)
		}
	}
}

func sameSet(got []string, want ...string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

func TestAgentsOfLines(t *testing.T) {
	s, fs, ctx := monitorStore(t)
	for _, a := range []agent.Agent{
		{ID: "ana", ServesLines: []string{"retail"}},
		{ID: "both", ServesLines: []string{"retail", "wholesale"}},
		{ID: "wes", ServesLines: []string{"wholesale"}},
		{ID: "max", Role: "admin"},
	} {
		put(t, ctx, fs.Collection("agents").Doc(a.ID), a)
	}
	ids := func(as []agent.Agent) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	got, err := s.AgentsOfLines(ctx, []string{"retail", "wholesale"})
	if err != nil || !sameSet(ids(got), "ana", "both", "wes") {
		t.Errorf("agents of both lines = %v, %v; want each once", ids(got), err)
	}
	got, err = s.AgentsOfLines(ctx, []string{"retail"})
	if err != nil || !sameSet(ids(got), "ana", "both") {
		t.Errorf("agents of retail = %v, %v", ids(got), err)
	}
	got, err = s.AgentsOfLines(ctx, nil)
	if err != nil || len(got) != 4 {
		t.Errorf("every agent = %v, %v", ids(got), err)
	}
}

func TestScheduledAfter(t *testing.T) {
	s, fs, ctx := monitorStore(t)
	now := midnight.Add(5 * time.Hour)
	msg := func(consumer, id string, e session.Entry) {
		put(t, ctx, fs.Collection("consumers").Doc(consumer).Collection("messages").Doc(id), e)
	}
	msg("+18005550100_+15551230001", "later", session.Entry{Business: "+18005550100", Phone: "+15551230001", Status: session.StatusScheduled, NotBefore: now.Add(2 * time.Hour)})
	msg("+18005550100_+15551230002", "sooner", session.Entry{Business: "+18005550100", Phone: "+15551230002", Status: session.StatusScheduled, NotBefore: now.Add(time.Hour)})
	msg("+18005550100_+15551230002", "sent", session.Entry{Business: "+18005550100", Phone: "+15551230002", Status: "delivered", NotBefore: now.Add(-time.Hour)})
	msg("+18005550100_+15551230003", "now", session.Entry{Business: "+18005550100", Phone: "+15551230003", Status: "sent"})
	// A chat's transcript line is not a stand-alone message.
	put(t, ctx, fs.Collection("sessions").Doc("c1").Collection("transcript").Doc("000001"), session.Entry{Status: session.StatusScheduled, NotBefore: now.Add(time.Hour)})

	got, truncated, err := s.ScheduledAfter(ctx, now, 10)
	var ids []string
	for _, m := range got {
		ids = append(ids, m.ID)
	}
	if err != nil || !slices.Equal(ids, []string{"sooner", "later"}) || truncated {
		t.Fatalf("ScheduledAfter = %v truncated %v, %v; want [sooner later]", ids, truncated, err)
	}
	if got[0].Entry.Phone != "+15551230002" || !got[0].Entry.NotBefore.Equal(now.Add(time.Hour)) {
		t.Errorf("first scheduled message = %+v", got[0].Entry)
	}
	got, truncated, err = s.ScheduledAfter(ctx, now, 1)
	if err != nil || len(got) != 1 || got[0].ID != "sooner" || !truncated {
		t.Errorf("ScheduledAfter with limit 1 = %+v truncated %v, %v", got, truncated, err)
	}
}

func TestMissedOffersSince(t *testing.T) {
	s, fs, ctx := monitorStore(t)
	for i, o := range []struct {
		agent string
		at    time.Time
	}{
		{"ana", midnight.Add(time.Hour)},
		{"ana", midnight},
		{"ana", midnight.Add(-time.Second)}, // yesterday
		{"luis", midnight.Add(2 * time.Hour)},
	} {
		put(t, ctx, fs.Collection("missedOffers").Doc(fmt.Sprintf("o%d", i)), map[string]any{
			"agentId": o.agent, "sessionId": fmt.Sprintf("C%d", i), "queueId": "q", "at": o.at, "reason": "timeout"})
	}
	got, err := s.MissedOffersSince(ctx, []string{"ana", "luis", "carl", "a/b"}, midnight)
	if want := map[string]int{"ana": 2, "luis": 1, "carl": 0}; err != nil || !maps.Equal(got, want) {
		t.Errorf("MissedOffersSince = %v, %v; want %v", got, err, want)
	}
}
