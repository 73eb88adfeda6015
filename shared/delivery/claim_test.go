package delivery

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// rateLine is a line whose number sends mps messages a second.
type rateLine float64

func (r rateLine) Line(context.Context, string) (config.Line, error) {
	return config.Line{Number: config.Number{MPS: float64(r)}}, nil
}

// timedCarrier accepts every send and notes when it came.
type timedCarrier struct {
	scriptedCarrier
	at map[string]time.Time // by the message's status callback
}

func (c *timedCarrier) Send(ctx context.Context, m carrier.Message) (carrier.Sent, error) {
	c.mu.Lock()
	c.at[m.StatusCallback] = time.Now()
	c.mu.Unlock()
	return c.scriptedCarrier.Send(ctx, m)
}

// TestAClaimNamesTheNumbersTurn: a message waiting for its number's turn at the rate limiter
// is claimed from when its send starts, so a delivery of it meanwhile does not send it again
// and comes back after that start, and the carrier gets each message no sooner than its claim.
func TestAClaimNamesTheNumbersTurn(t *testing.T) {
	ctx := context.Background()
	first, second := "sessions/C1/transcript/000001", "sessions/C2/transcript/000001"
	o := &memOutbox{entries: map[string]*session.Entry{}}
	for _, p := range []string{first, second} {
		o.entries[p] = &session.Entry{Author: session.FromAgent, Body: "hello", Business: "+18005550100",
			Phone: "+15551230001", Status: session.StatusPending, At: time.Now().Add(-time.Second)}
	}
	c := &timedCarrier{at: map[string]time.Time{}}
	s, _, _ := newSender(&c.scriptedCarrier)
	s.Outbox, s.Carrier, s.Lines = o, c, rateLine(2)
	s.CallbackURL = func(p string) string { return "https://example.test/status/" + p }
	if err := s.Deliver(ctx, first); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Deliver(ctx, second) }()
	var claim time.Time
	for claim.IsZero() {
		if e := o.get(second); e.Status == session.StatusDispatching {
			claim = e.ClaimedAt
		}
		time.Sleep(time.Millisecond)
	}
	if gap := claim.Sub(o.get(first).ClaimedAt); gap < 400*time.Millisecond {
		t.Errorf("the second message's claim starts %v after the first's; at 2 a second it must wait its turn (about 0.52 s)", gap)
	}
	if e := o.get(second); e.Status == session.StatusDispatching && time.Now().Before(claim) {
		if err := s.Deliver(ctx, second); err != nil {
			t.Fatalf("a delivery while the message waits its turn = %v, want a recheck", err)
		}
		if tm := recheckTimers(s); len(tm) != 1 || tm[0].Due.Before(claim.Add(s.staleClaim())) {
			t.Errorf("recheck timers %+v, want one after the claimed start plus %v", tm, s.staleClaim())
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(c.sent) != 2 {
		t.Fatalf("%d sends, want one per message", len(c.sent))
	}
	for _, p := range []string{first, second} {
		if at := c.at[s.CallbackURL(p)]; at.Before(o.get(p).ClaimedAt) {
			t.Errorf("%s reached the carrier %v before its claimed start", p, o.get(p).ClaimedAt.Sub(at))
		}
	}
}

// hangingCarrier takes every send in and never answers, and cannot be asked once the
// caller's time is up.
type hangingCarrier struct{ scriptedCarrier }

func (c *hangingCarrier) Send(ctx context.Context, m carrier.Message) (carrier.Sent, error) {
	c.mu.Lock()
	c.sent = append(c.sent, m)
	c.mu.Unlock()
	<-ctx.Done()
	return carrier.Sent{}, fmt.Errorf("%w: %w", carrier.ErrNoAnswer, ctx.Err())
}

func (c *hangingCarrier) Find(ctx context.Context, m carrier.Message, since time.Time) (carrier.Sent, bool, error) {
	if err := ctx.Err(); err != nil {
		return carrier.Sent{}, false, err
	}
	return c.scriptedCarrier.Find(ctx, m, since)
}

// TestAnAttemptGivesUpBeforeItsClaimGoesStale: a send that never returns is cut before the
// claim may be taken over, so that no other delivery sends while it is still in flight, and
// the message is left claimed for that delivery to ask the carrier.
func TestAnAttemptGivesUpBeforeItsClaimGoesStale(t *testing.T) {
	c := &hangingCarrier{}
	s, o, _ := newSender(&c.scriptedCarrier)
	s.Carrier, s.StaleClaim = c, 2*time.Second
	err := s.Deliver(context.Background(), path)
	returned := time.Now()
	e := o.get(path)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a send that never returned gave %v, want its deadline reported", err)
	}
	if stale := e.ClaimedAt.Add(s.StaleClaim); !returned.Before(stale) {
		t.Errorf("the attempt ended %v after its claim went stale: another delivery could have sent meanwhile", returned.Sub(stale))
	}
	if e.Status != session.StatusDispatching || len(c.sent) != 1 {
		t.Errorf("after the cut attempt: %q with %d sends; want still claimed, sent once", e.Status, len(c.sent))
	}
}
