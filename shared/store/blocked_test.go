package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/store"
)

func TestBlockedNumbersAndDrops(t *testing.T) {
	s, _, ctx := monitorStore(t)
	const n = "+15551230009"
	if b, err := s.Blocked(ctx, n); err != nil || b {
		t.Fatalf("before blocking: %v, %v", b, err)
	}
	if err := s.Block(ctx, store.BlockedNumber{Number: n, Reason: "abuse", AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Blocked(ctx, n); err != nil || !b {
		t.Fatalf("after blocking: %v, %v", b, err)
	}
	if b, _ := s.Blocked(ctx, "../x"); b {
		t.Error("an id that names no document is blocked")
	}
	now := time.Date(2026, 3, 1, 7, 30, 0, 0, time.UTC)
	for _, d := range []struct{ id, channel string }{{"CA1", "call"}, {"CA1", "call"}, {"SM1", "sms"}, {"SM2", "sms"}, {"SM2", "sms"}} {
		drop := store.BlockedDrop{ID: d.id, Channel: d.channel, Number: n, Business: "+18005550100", LineOfBusiness: "retail", At: now}
		if err := s.RecordBlocked(ctx, drop); err != nil {
			t.Fatal(err)
		}
	}
	drops, err := s.BlockedDrops(ctx, n)
	if err != nil || drops["call"] != 1 || drops["sms"] != 2 {
		t.Errorf("drops = %v, %v; want 1 call (recorded once) and 2 texts", drops, err)
	}
	day := now.Truncate(24 * time.Hour)
	rs, err := s.Rollups(ctx, reports.KindLine, day, day)
	if err != nil {
		t.Fatal(err)
	}
	hour := reports.Sum(reports.Period{From: day, To: day.Add(24 * time.Hour), Loc: time.UTC, Grain: reports.Day}, reports.KindLine, rs)["retail"]
	if len(hour) == 0 || hour[0][reports.BlockedCalls] != 1 || hour[0][reports.BlockedTexts] != 2 {
		t.Errorf("line rollups = %+v; want retail's day with 1 blocked call and 2 blocked texts, each counted once", rs)
	}
	var seen []string
	err = s.EachBlockedDrop(ctx, now.Add(-time.Hour), now.Add(time.Hour), 2, func(d store.BlockedDrop) error {
		seen = append(seen, d.ID+"/"+d.LineOfBusiness)
		return nil
	})
	if err != nil || len(seen) != 3 {
		t.Errorf("drops in the hour = %v, %v; want CA1, SM1 and SM2 over two pages", seen, err)
	}
	list, err := s.BlockedNumbers(ctx)
	if err != nil || len(list) != 1 || list[0].Reason != "abuse" {
		t.Errorf("list = %+v, %v", list, err)
	}
	if err := s.Unblock(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := s.Unblock(ctx, n); err != store.ErrNotFound {
		t.Errorf("unblocking twice = %v, want ErrNotFound", err)
	}
}

func TestEndedCallsStayEnded(t *testing.T) {
	s, _, ctx := monitorStore(t)
	sid := "CA0123456789abcdef0123456789abcdef"
	for _, c := range []store.Call{{Status: "ringing"}, {Status: "completed", Ended: true}, {Status: "in-progress"}} {
		c.CallSID, c.From, c.To = sid, "+15551230001", "+18005550100"
		if err := s.RecordCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.CallBySID(ctx, sid)
	if err != nil || !c.Ended || c.Status != "completed" {
		t.Errorf("call after a late in-progress: %+v, %v", c, err)
	}
	if _, err := s.CallBySID(ctx, "CA"+"f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"); err == nil {
		t.Error("an unknown call was found")
	}
}

// TestTheFirstAgentToAnswerKeepsTheCall: a call records the agent who answered it; the same
// agent's retried answer changes nothing, another agent's is refused, a call never reported
// is not found, and later status changes keep who answered.
func TestTheFirstAgentToAnswerKeepsTheCall(t *testing.T) {
	s, _, ctx := monitorStore(t)
	sid := "CA00112233445566778899aabbccddeeff"
	if err := s.AnswerCall(ctx, sid, "carl", time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("answer of a call never reported: %v, want not found", err)
	}
	if err := s.RecordCall(ctx, store.Call{CallSID: sid, From: "+15551230001", To: "+18005550100", Status: "ringing"}); err != nil {
		t.Fatal(err)
	}
	for _, agent := range []string{"carl", "carl"} {
		if err := s.AnswerCall(ctx, sid, agent, time.Now()); err != nil {
			t.Fatalf("answer by %s: %v", agent, err)
		}
	}
	if err := s.AnswerCall(ctx, sid, "ana", time.Now()); !errors.Is(err, store.ErrCallTaken) {
		t.Errorf("a second agent's answer: %v, want taken", err)
	}
	if err := s.AnswerCall(ctx, sid, "../x", time.Now()); err == nil {
		t.Error("an agent id that names no document was recorded")
	}
	if err := s.RecordCall(ctx, store.Call{CallSID: sid, From: "+15551230001", To: "+18005550100", Status: "completed", Ended: true}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.CallBySID(ctx, sid); err != nil || c.AgentID != "carl" || c.AnsweredAt.IsZero() || !c.Ended {
		t.Errorf("the call after it ended: %+v, %v", c, err)
	}
}
