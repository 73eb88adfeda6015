package store

import "testing"

// TestABulkRecipientsFirstResultIsWrittenWithoutARead: the bulk worker's result for a
// recipient is created without reading it; one already moved on by the message's delivery
// (a status callback came first) is left as it is, after one read.
func TestABulkRecipientsFirstResultIsWrittenWithoutARead(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	const job = "B0123456789abcdef01234567"
	forward := func(status string) func(*BulkResult) bool {
		return func(r *BulkResult) bool {
			if r.Status == "delivered" {
				return false
			}
			r.To, r.Status = "+15551230001", status
			return true
		}
	}
	before := m.Snapshot()
	if err := s.FirstBulkResult(ctx, job, 1, forward("accepted")); err != nil {
		t.Fatal(err)
	}
	if got := m.Snapshot().Sub(before); got.Reads != 0 || got.Writes != 1 {
		t.Errorf("a first result cost %d reads and %d writes, want 0 and 1", got.Reads, got.Writes)
	}
	if err := s.UpdateBulkResult(ctx, job, 2, forward("delivered")); err != nil {
		t.Fatal(err)
	}
	before = m.Snapshot()
	if err := s.FirstBulkResult(ctx, job, 2, forward("accepted")); err != nil {
		t.Fatal(err)
	}
	if got := m.Snapshot().Sub(before); got.Reads != 1 || got.Writes != 0 {
		t.Errorf("a result moved on before the worker's cost %d reads and %d writes, want 1 and 0", got.Reads, got.Writes)
	}
	if err := s.FirstBulkResult(ctx, job, 1, forward("accepted")); err != nil {
		t.Fatal(err)
	}
	snaps, err := s.fs.Collection(colBulkJobs).Doc(job).Collection(subResults).Documents(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range snaps {
		var r BulkResult
		if err := d.DataTo(&r); err != nil {
			t.Fatal(err)
		}
		got[d.Ref.ID] = r.Status
	}
	if len(got) != 2 || got["000001"] != "accepted" || got["000002"] != "delivered" {
		t.Errorf("results %v, want 000001 accepted and 000002 delivered", got)
	}
}

// TestANewRecipientsTimeZoneIsReadWithoutTheLedger: a notification looks up its consumer's
// time zone on their record alone: one read for someone never texted, not the brand's
// opt-out ledger too, which the notification's own commit reads.
func TestANewRecipientsTimeZoneIsReadWithoutTheLedger(t *testing.T) {
	s, m, ctx := meteredTestStore(t)
	before, byCollection := m.Snapshot(), m.ByCollection()
	c, err := s.ConsumerRecord(ctx, "+18005550100", "+15551230001")
	if err != nil {
		t.Fatal(err)
	}
	if c.Phone != "+15551230001" || c.TimeZone != "" {
		t.Errorf("a new consumer's record: %+v", c)
	}
	if got := m.Snapshot().Sub(before).Reads; got != 1 {
		t.Errorf("read %d documents (%v), want the record alone", got, m.ByCollection().Sub(byCollection))
	}
}
