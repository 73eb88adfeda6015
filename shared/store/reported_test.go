package store

import (
	"log/slog"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/delivery"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TestAChatsStatusCallbacksAreWrittenWithoutARead: the carrier's callbacks on a chat's
// message cost one write each and no read; the chat shows the highest status of the attempt
// the carrier took, whatever the order the callbacks came in, twice or for another attempt;
// the final one ends the message's status checks; and a callback that comes before the
// sender wrote the carrier's acceptance still stands after it.
func TestAChatsStatusCallbacksAreWrittenWithoutARead(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	const sid, other = "SM00000000000000000000000000000001", "SM00000000000000000000000000000002"
	sender := &delivery.Sender{Outbox: s, Log: slog.New(slog.DiscardHandler), RecheckAfter: time.Minute}
	accepted := time.Now().UTC().Truncate(time.Microsecond)
	for _, id := range []string{"000001", "000002"} {
		if _, err := s.fs.Doc("sessions/S1/transcript/"+id).Set(ctx, session.Entry{Seq: 1, Author: session.FromAgent, Body: "hi",
			Status: "queued", MessageSID: sid, AcceptedAt: accepted, RecheckAt: accepted.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	const line = "sessions/S1/transcript/000001"
	shown := func(path string) session.Entry {
		t.Helper()
		e, err := s.Entry(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	before := m.Snapshot()
	for _, st := range []string{"delivered", "sent", "sent"} { // out of order, and twice
		if err := sender.ApplyStatus(ctx, line, sid, st, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := sender.ApplyStatus(ctx, line, other, "undelivered", 30003); err != nil {
		t.Fatal(err)
	}
	if d := m.Snapshot().Sub(before); d.Reads != 0 || d.Writes != 4 {
		t.Errorf("four callbacks cost %d reads and %d writes, want none and four", d.Reads, d.Writes)
	}
	if e := shown(line); e.Status != "delivered" || e.ErrorCode != 0 || !e.RecheckAt.IsZero() {
		t.Errorf("after delivered, sent twice and another attempt's undelivered: %q (code %d), recheck at %v; want delivered, no checks left",
			e.Status, e.ErrorCode, e.RecheckAt)
	}
	if got, err := s.Transcript(ctx, "S1"); err != nil || got[0].Status != "delivered" || got[1].Status != "queued" {
		t.Errorf("the chat's transcript shows %+v (%v), want the first line delivered", got, err)
	}
	if err := sender.ApplyStatus(ctx, "sessions/S1/transcript/000009", sid, "sent", 0); err == nil {
		t.Error("a callback for a line that does not exist was taken")
	}

	// The "delivered" callback is written before the sender writes the carrier's acceptance.
	const early = "sessions/S1/transcript/000003"
	if _, err := s.fs.Doc(early).Set(ctx, session.Entry{Seq: 3, Author: session.FromAgent, Body: "hi", Status: session.StatusDispatching}); err != nil {
		t.Fatal(err)
	}
	claimed, err := s.Entry(ctx, early)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.fs.Doc(early).Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	claimed.Version = snap.UpdateTime
	if err := sender.ApplyStatus(ctx, early, sid, "delivered", 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UpdateStatusOn(ctx, early, claimed, func(e *session.Entry, _ *followup.Followups) bool {
		if delivery.Rank(e.Status) >= delivery.Rank("queued") && e.MessageSID != "" {
			return false
		}
		e.MessageSID, e.AcceptedAt = sid, accepted
		if delivery.Rank("queued") > delivery.Rank(e.Status) {
			e.Status = "queued"
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if e := shown(early); e.Status != "delivered" || e.MessageSID != sid {
		t.Errorf("after an acceptance written late: %q with sid %q, want delivered with %s", e.Status, e.MessageSID, sid)
	}
}
