package delivery

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/carrier"
)

// UnsettledMessages lists the messages of o due a status check.
func (o *memOutbox) UnsettledMessages(_ context.Context, due time.Time, limit int) ([]Unsettled, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Unsettled
	for p, e := range o.entries {
		if !e.RecheckAt.IsZero() && !e.RecheckAt.After(due) {
			out = append(out, Unsettled{Path: p, SID: e.MessageSID, RecheckAt: e.RecheckAt})
		}
	}
	slices.SortFunc(out, func(a, b Unsettled) int { return a.RecheckAt.Compare(b.RecheckAt) })
	return out[:min(limit, len(out))], nil
}

// TestALostDeliveredCallbackIsLearntFromTheCarrier: the carrier took a reply and delivered it,
// but its callbacks never arrived (the functions were down): the reply shows queued until the
// sweep after RecheckAfter asks the carrier, and then shows delivered, with nothing more to ask.
func TestALostDeliveredCallbackIsLearntFromTheCarrier(t *testing.T) {
	ctx := context.Background()
	c := &scriptedCarrier{}
	s, o, tr := newSender(c)
	s.RecheckAfter = 10 * time.Minute
	r := &Reconciler{Sender: s, Messages: o}
	if err := s.Deliver(ctx, path); err != nil {
		t.Fatal(err)
	}
	e := o.get(path)
	c.statuses = map[string]carrier.Status{e.MessageSID: {Status: "delivered"}}
	if e.Status != "queued" || !e.RecheckAt.Equal(e.AcceptedAt.Add(10*time.Minute)) {
		t.Fatalf("after the send: status %q, recheck at %v (accepted %v); want queued, a check 10 min after", e.Status, e.RecheckAt, e.AcceptedAt)
	}

	// Before it is due, the carrier is not asked: most statuses arrive on their own.
	if n, err := r.Sweep(ctx, e.AcceptedAt.Add(9*time.Minute)); err != nil || n != 0 || c.statusAsked != 0 {
		t.Fatalf("sweep before due: learnt %d, asked %d, err %v", n, c.statusAsked, err)
	}
	now := e.AcceptedAt.Add(11 * time.Minute)
	if n, err := r.Sweep(ctx, now); err != nil || n != 1 {
		t.Fatalf("sweep when due: learnt %d, err %v", n, err)
	}
	if e := o.get(path); e.Status != "delivered" || !e.RecheckAt.IsZero() {
		t.Errorf("after the sweep: status %q, recheck at %v; want delivered, none", e.Status, e.RecheckAt)
	}
	if got := tr.statuses[len(tr.statuses)-1]; got != "delivered" {
		t.Errorf("bulk results last heard %q, want delivered", got)
	}
	if n, _ := r.Sweep(ctx, now.Add(time.Hour)); n != 0 || c.statusAsked != 1 {
		t.Errorf("a settled message was asked about again: learnt %d, asked %d times", n, c.statusAsked)
	}
}

// TestAMessageStillUnsettledIsAskedAboutOnScheduleThenLeft: a carrier that keeps a message at
// sent (some destinations never report further) is asked at 1×, 6× and 72× RecheckAfter
// after it took the message, and then no more; a carrier that could not be asked leaves the
// message due, and the sweep says so.
func TestAMessageStillUnsettledIsAskedAboutOnScheduleThenLeft(t *testing.T) {
	ctx := context.Background()
	c := &scriptedCarrier{}
	s, o, _ := newSender(c)
	s.RecheckAfter = time.Minute
	r := &Reconciler{Sender: s, Messages: o}
	if err := s.Deliver(ctx, path); err != nil {
		t.Fatal(err)
	}
	accepted := o.get(path).AcceptedAt
	c.statuses = map[string]carrier.Status{o.get(path).MessageSID: {Status: "sent"}}

	c.statusErr = errors.New("carrier API unreachable")
	if _, err := r.Sweep(ctx, accepted.Add(2*time.Minute)); err == nil {
		t.Error("a sweep whose carrier calls failed reported no error")
	}
	if e := o.get(path); !e.RecheckAt.Equal(accepted.Add(time.Minute)) {
		t.Errorf("after a failed check the message is due at %v, want still %v", e.RecheckAt, accepted.Add(time.Minute))
	}
	c.statusErr = nil

	if n, err := r.Sweep(ctx, accepted.Add(2*time.Minute)); err != nil || n != 1 {
		t.Fatalf("first check: learnt %d, err %v", n, err)
	}
	if e := o.get(path); e.Status != "sent" || !e.RecheckAt.Equal(accepted.Add(6*time.Minute)) {
		t.Errorf("after the first check: %q, next at %v; want sent, at 6 min", e.Status, e.RecheckAt)
	}
	if _, err := r.Sweep(ctx, accepted.Add(7*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if e := o.get(path); !e.RecheckAt.Equal(accepted.Add(72 * time.Minute)) {
		t.Errorf("after the second check next at %v, want at 72 min", e.RecheckAt)
	}
	if _, err := r.Sweep(ctx, accepted.Add(73*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if e := o.get(path); !e.RecheckAt.IsZero() {
		t.Errorf("after the last check next at %v, want none", e.RecheckAt)
	}
	asked := c.statusAsked
	if _, err := r.Sweep(ctx, accepted.Add(1000*time.Hour)); err != nil || c.statusAsked != asked {
		t.Errorf("asked again after the schedule ended (%d → %d calls)", asked, c.statusAsked)
	}
}
