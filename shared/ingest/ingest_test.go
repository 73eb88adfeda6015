package ingest

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/wire"
)

// numbers answers from a set, or waits for the context when slow.
type numbers struct {
	ours map[string]bool
	slow bool
}

func (n numbers) BusinessNumber(ctx context.Context, number string) (bool, error) {
	if n.slow {
		<-ctx.Done()
		return false, ctx.Err()
	}
	return n.ours[number], nil
}

// topic records publishes, or fails them; a stalled one waits for the context.
type topic struct {
	mu        sync.Mutex
	published []string
	fail      bool
	stall     bool
}

func (p *topic) Publish(ctx context.Context, _, key string, v any) error {
	if p.stall {
		<-ctx.Done()
		return ctx.Err()
	}
	if p.fail {
		return errors.New("pubsub unavailable")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published = append(p.published, v.(wire.InboundText).MessageSID)
	return nil
}

// parking keeps texts in a map, or fails.
type parking struct {
	mu    sync.Mutex
	texts map[string]wire.InboundText
	fail  bool
}

func (p *parking) ParkInbound(_ context.Context, t wire.InboundText) error {
	if p.fail {
		return errors.New("firestore unavailable")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.texts[t.MessageSID] = t
	return nil
}

func (p *parking) ParkedInbound(context.Context, int) ([]wire.InboundText, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []wire.InboundText
	for _, t := range p.texts {
		out = append(out, t)
	}
	return out, nil
}

func (p *parking) UnparkInbound(_ context.Context, sid string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.texts, sid)
	return nil
}

const business = "+18005550100"

var text = wire.InboundText{MessageSID: "SM0123456789abcdef0123456789abcdef", From: "+15551230001", To: business, Body: "hi"}

func acceptor(n numbers, p *topic, park *parking) *Acceptor {
	a := &Acceptor{Numbers: n, Publisher: p, Topic: "sms-inbound", Log: slog.New(slog.DiscardHandler),
		Wait: time.Second, NumberWait: 50 * time.Millisecond, SettleWait: 50 * time.Millisecond}
	if park != nil {
		a.Parking = park
	}
	return a
}

func TestPrimaryPublishesOnly(t *testing.T) {
	ours := numbers{ours: map[string]bool{business: true}}
	p := &topic{}
	if err := acceptor(ours, p, nil).Accept(context.Background(), text); err != nil || len(p.published) != 1 {
		t.Fatalf("Accept = %v, published %v", err, p.published)
	}
	other := text
	other.To = "+18005550199"
	if err := acceptor(ours, p, nil).Accept(context.Background(), other); !errors.Is(err, ErrNotOurs) {
		t.Errorf("a text to another number: %v, want ErrNotOurs", err)
	}
	// A publish that fails or stalls is not accepted.
	for name, p := range map[string]*topic{"failed": {fail: true}, "stalled": {stall: true}} {
		if err := acceptor(ours, p, nil).Accept(context.Background(), text); err == nil {
			t.Errorf("%s publish accepted", name)
		}
	}
}

func TestSlowNumberCheckStillPublishes(t *testing.T) {
	p := &topic{}
	start := time.Now()
	if err := acceptor(numbers{slow: true}, p, nil).Accept(context.Background(), text); err != nil || len(p.published) != 1 {
		t.Fatalf("Accept with Firestore stalled = %v, published %v", err, p.published)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v past the number check's bound", took)
	}
}

func TestFallbackParksOrPublishes(t *testing.T) {
	ours := numbers{ours: map[string]bool{business: true}}
	cases := []struct {
		name               string
		pub                *topic
		park               *parking
		accepted, isParked bool
	}{
		{"both work: published, not left parked", &topic{}, &parking{}, true, false},
		{"Pub/Sub stalled: parked", &topic{stall: true}, &parking{}, true, true},
		{"Firestore down: published", &topic{}, &parking{fail: true}, true, false},
		{"both down: refused", &topic{fail: true}, &parking{fail: true}, false, false},
	}
	for _, c := range cases {
		c.park.texts = map[string]wire.InboundText{}
		start := time.Now()
		err := acceptor(ours, c.pub, c.park).Accept(context.Background(), text)
		if (err == nil) != c.accepted {
			t.Errorf("%s: Accept = %v", c.name, err)
		}
		// Parked, the text does not wait out the stalled publish.
		if took := time.Since(start); c.isParked && took > 500*time.Millisecond {
			t.Errorf("%s: accepted after %v, want soon after parking", c.name, took)
		}
		c.park.mu.Lock()
		_, parked := c.park.texts[text.MessageSID]
		c.park.mu.Unlock()
		if parked != c.isParked {
			t.Errorf("%s: parked = %v, want %v", c.name, parked, c.isParked)
		}
	}
}

func TestReplayPublishesParkedTexts(t *testing.T) {
	park := &parking{texts: map[string]wire.InboundText{text.MessageSID: text}}
	down := &topic{fail: true}
	if n, err := acceptor(numbers{}, down, park).Replay(context.Background(), 100); err == nil || n != 0 || len(park.texts) != 1 {
		t.Fatalf("replay with Pub/Sub down = %d, %v; parked %d", n, err, len(park.texts))
	}
	up := &topic{}
	if n, err := acceptor(numbers{}, up, park).Replay(context.Background(), 100); err != nil || n != 1 || len(park.texts) != 0 || len(up.published) != 1 {
		t.Fatalf("replay = %d, %v; parked %d, published %v", n, err, len(park.texts), up.published)
	}
}
