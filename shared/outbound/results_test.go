package outbound

import (
	"context"
	"testing"

	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// memResults keeps bulk results in memory.
type memResults struct{ results map[int]store.BulkResult }

func (m *memResults) CreateBulkJob(_ context.Context, j store.BulkJob) (store.BulkJob, error) {
	return j, nil
}

func (m *memResults) UpdateBulkResult(_ context.Context, _ string, index int, change func(*store.BulkResult) bool) error {
	r, ok := m.results[index]
	if !ok {
		r = store.BulkResult{Index: index}
	}
	if change(&r) {
		m.results[index] = r
	}
	return nil
}

func (m *memResults) FirstBulkResult(ctx context.Context, job string, index int, change func(*store.BulkResult) bool) error {
	return m.UpdateBulkResult(ctx, job, index, change)
}

func (m *memResults) BulkJob(context.Context, string) (store.BulkJob, []store.BulkResult, error) {
	return store.BulkJob{}, nil, nil
}

func TestBulkResultsFollowDeliveryForwardOnly(t *testing.T) {
	ctx := context.Background()
	m := &memResults{results: map[int]store.BulkResult{}}
	b := &Bulk{Store: m}
	const job = "B0123456789abcdef01234567"
	path := "consumers/c1/messages/N" + bulkMessageID(job, 7)
	for _, st := range []string{"queued", "delivered", "sent"} { // the callbacks out of order
		if err := b.Track(ctx, path, session.Entry{Status: st, Phone: "+15551230001"}); err != nil {
			t.Fatal(err)
		}
	}
	if r := m.results[7]; r.Status != ResultDelivered || r.To != "+15551230001" {
		t.Errorf("result %+v, want delivered", r)
	}
	// The bulk worker's own record of the recipient comes late and takes nothing back.
	if err := m.UpdateBulkResult(ctx, job, 7, advance(store.BulkResult{Index: 7, Status: ResultAccepted})); err != nil || m.results[7].Status != ResultDelivered {
		t.Errorf("accepted after delivered: %+v", m.results[7])
	}
	if err := b.Track(ctx, "sessions/C1/transcript/000001", session.Entry{Status: "delivered"}); err != nil || len(m.results) != 1 {
		t.Errorf("a chat message touched bulk results: %v %v", err, m.results)
	}
	if err := b.Track(ctx, "consumers/c2/messages/N"+bulkMessageID(job, 8), session.Entry{Status: "undelivered", ErrorCode: 30003}); err != nil {
		t.Fatal(err)
	}
	if r := m.results[8]; r.Status != ResultUndelivered || r.Message != "carrier error 30003" {
		t.Errorf("undelivered result %+v", r)
	}
}
