package localrun_test

import (
	"testing"
)

// TestWaitMessageTellsPlaceAndEstimate: Carl, the only agent online for Tech, serves two
// queues (Tech and VIP) with room for one chat. The first consumer is next and waits about a
// minute; once Carl holds that chat, the second is number 1 with a wait of one handle time
// (the default 5 min when no chat ended in the hour) over Carl's half share, and the third
// number 2 with twice that, plus the 10 s of messages.
func TestWaitMessageTellsPlaceAndEstimate(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	api(t, f.Tokens["carl"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	for i, want := range []string{
		"in line for Tech: you are number 1, about 1 min.",
		"in line for Tech: you are number 1, about 11 min.",
		"in line for Tech: you are number 2, about 21 min.",
	} {
		phone := consumerPhone()
		text(t, phone, f.Number, "hi")
		text(t, phone, f.Number, "1")
		text(t, phone, f.Number, "tech")
		expectSMS(t, ctx, phone, 4, want)
		if err := runner.WaitIdle(ctx); err != nil {
			t.Fatalf("consumer %d: %v", i+1, err)
		}
	}
}
