package localrun_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/localrun"
)

// sweepGrace is how overdue a deadline must be for the runner's sweeper.
const sweepGrace = 300 * time.Millisecond

// waitIdle waits until nothing is left to happen: no Pub/Sub delivery pending or running, no
// timer due, no status callback to come from the carrier. An assertion that nothing more was
// sent holds from then on, for everything that was due.
func waitIdle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	carrier := localrun.Busy(func() (string, int64) {
		pending, started := sim.Callbacks()
		if pending > 0 {
			return fmt.Sprintf("status callbacks of %d messages to come", pending), started
		}
		return "", started
	})
	if err := runner.WaitIdle(ctx, carrier); err != nil {
		t.Fatal(err)
	}
}

// TestWaitIdleWaitsForEveryStep: right after the webhook answers, nothing has reached the
// consumer yet; once the pipeline is idle, the consent and the menu have been sent and the
// carrier's delivery reports are on the transcript, with no waiting on any of them.
func TestWaitIdleWaitsForEveryStep(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	sid := text(t, phone, f.Number, "hi")
	waitIdle(t)
	if got := bodies(sentTo(phone)); len(got) != 2 {
		t.Fatalf("after idle the consumer has %d texts: %q; want the consent and the menu", len(got), got)
	}
	entries, err := runner.Store.Transcript(ctx, chatOf(t, ctx, f.Number, phone, sid).ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Author != "consumer" && e.Status != "delivered" {
			t.Errorf("after idle %q is %q, want delivered", e.Body, e.Status)
		}
	}
}
