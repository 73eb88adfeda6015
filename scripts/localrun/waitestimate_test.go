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

// TestStillWaitingText: with the queue's stillWaiting timeout, a consumer who waited that
// long is texted their new place and estimate once.
func TestStillWaitingText(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	admin := adminOf(t, f)
	if code, e := adminCall(t, admin, "PUT", "/queues/"+f.Prefix+"-tech", map[string]any{"name": "Tech", "parent": f.Prefix + "-en",
		"order": 2, "keywords": []string{"TECH"}, "lineOfBusiness": f.Prefix, "timeouts": map[string]string{"stillWaiting": "2s"}}); code != 200 {
		t.Fatalf("queue timeouts: %d %s", code, e.Error.Message)
	}
	api(t, f.Tokens["carl"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	first, second := consumerPhone(), consumerPhone()
	for _, p := range []string{first, second} {
		text(t, p, f.Number, "hi")
		text(t, p, f.Number, "1")
		text(t, p, f.Number, "tech")
		expectSMS(t, ctx, p, 4, "in line for Tech")
		if err := runner.WaitIdle(ctx); err != nil {
			t.Fatal(err)
		}
	}
	expectSMS(t, ctx, second, 5, "Thanks for waiting! You are number 1 in line for Tech; about 11 min now.")
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(sentTo(second)); n != 5 {
		t.Errorf("texts to the waiting consumer: %q", bodies(sentTo(second)))
	}
	// The first consumer is Carl's (a slow assignment may let their own still-waiting text
	// come first, so only the end is checked).
	if got := bodies(sentTo(first)); got[len(got)-1] != "You're now chatting with Carl." {
		t.Errorf("the consumer Carl took: %q", got)
	}
}
