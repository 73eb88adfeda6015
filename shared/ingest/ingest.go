// Package ingest accepts the carrier's inbound texts durably and within the carrier's
// deadline (15 s for the whole exchange, after which the text goes to the fallback URL or is
// lost). The primary webhook takes one durable step, the publish onto the inbound topic: the
// conversation applies each text in a transaction that writes a receipt of its MessageSid, so
// a text published twice (a carrier retry, a fallback after a late publish) is applied once.
// The fallback webhook parks the text in Firestore and publishes it at the same time, and
// accepts it when either holds; the sweeper publishes again whatever stayed parked.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Bounds of each wait, so that the webhook answers well within the carrier's 15 s.
const (
	// NumberWait bounds the check that To is one of the business's numbers (cached; a read
	// only on a cold or expired cache).
	NumberWait = 2 * time.Second
	// PublishWait bounds the publish onto the inbound topic.
	PublishWait = 5 * time.Second
	// ParkWait bounds the fallback's Firestore write.
	ParkWait = 5 * time.Second
)

// Numbers tells the business's own numbers.
type Numbers interface {
	BusinessNumber(ctx context.Context, number string) (bool, error)
}

// Publisher puts a text on the inbound topic.
type Publisher interface {
	Publish(ctx context.Context, topic, orderingKey string, v any) error
}

// Parking keeps texts that could not be published yet.
type Parking interface {
	ParkInbound(ctx context.Context, t bus.InboundText) error
	ParkedInbound(ctx context.Context, limit int) ([]bus.InboundText, error)
	UnparkInbound(ctx context.Context, messageSID string) error
}

// ErrNotOurs is returned for a text to a number that is not one of the business's.
var ErrNotOurs = errors.New("not one of the business's numbers")

// Acceptor accepts inbound texts. The zero value of each wait is its default above.
type Acceptor struct {
	Numbers   Numbers
	Publisher Publisher
	Topic     string
	// Parking, when set, makes this the fallback: the text is parked and published at once.
	Parking Parking
	Log     *slog.Logger

	NumberWait, PublishWait, ParkWait time.Duration
}

// Accept makes the text durable: published (or, on the fallback, parked or published). It
// returns ErrNotOurs for a text to another number and an error when nothing durable was done,
// which the webhook must answer as a failure so the carrier tries its fallback.
func (a *Acceptor) Accept(ctx context.Context, t bus.InboundText) error {
	log := a.Log.With("messageSid", t.MessageSID, "business", t.To)
	ours, err := a.ours(ctx, t.To)
	switch {
	case err != nil:
		// Firestore is slow or down: the conversation reads the number's configuration
		// anyway and drops a text to a number that is not configured.
		log.Warn("business number not checked in time; accepting, the conversation checks it", "err", err)
	case !ours:
		return ErrNotOurs
	}
	if a.Parking == nil {
		if err := a.publish(ctx, t); err != nil {
			return fmt.Errorf("accept %s: %w", t.MessageSID, err)
		}
		return nil
	}
	return a.parkAndPublish(ctx, log, t)
}

func (a *Acceptor) ours(ctx context.Context, number string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, or(a.NumberWait, NumberWait))
	defer cancel()
	return a.Numbers.BusinessNumber(ctx, number)
}

func (a *Acceptor) publish(ctx context.Context, t bus.InboundText) error {
	ctx, cancel := context.WithTimeout(ctx, or(a.PublishWait, PublishWait))
	defer cancel()
	return a.Publisher.Publish(ctx, a.Topic, session.ConsumerID(t.To, t.From), t)
}

// parkAndPublish parks and publishes the text concurrently; either is enough. A text both
// parked and published is unparked; one only parked waits for the sweeper.
func (a *Acceptor) parkAndPublish(ctx context.Context, log *slog.Logger, t bus.InboundText) error {
	parked := make(chan error, 1)
	go func() {
		pctx, cancel := context.WithTimeout(ctx, or(a.ParkWait, ParkWait))
		defer cancel()
		parked <- a.Parking.ParkInbound(pctx, t)
	}()
	perr := a.publish(ctx, t)
	kerr := <-parked
	switch {
	case perr == nil && kerr == nil:
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), or(a.ParkWait, ParkWait))
		defer cancel()
		if err := a.Parking.UnparkInbound(uctx, t.MessageSID); err != nil {
			log.Warn("published text left parked; the sweeper publishes it again, applied once", "err", err)
		}
		return nil
	case perr == nil:
		log.Warn("fallback: text published, not parked", "err", kerr)
		return nil
	case kerr == nil:
		log.Warn("fallback: text parked, not published; the sweeper publishes it", "err", perr)
		return nil
	}
	return fmt.Errorf("accept %s: neither published (%w) nor parked (%w)", t.MessageSID, perr, kerr)
}

// Replay publishes the parked texts and unparks each one published; it returns how many. The
// sweeper runs it: a text published twice is applied once.
func (a *Acceptor) Replay(ctx context.Context, limit int) (int, error) {
	if a.Parking == nil {
		return 0, nil
	}
	texts, err := a.Parking.ParkedInbound(ctx, limit)
	if err != nil {
		return 0, fmt.Errorf("replay parked texts: %w", err)
	}
	n := 0
	for _, t := range texts {
		if err := a.publish(ctx, t); err != nil {
			return n, fmt.Errorf("replay parked text %s: %w", t.MessageSID, err)
		}
		if err := a.Parking.UnparkInbound(ctx, t.MessageSID); err != nil {
			return n, fmt.Errorf("replay parked text %s: %w", t.MessageSID, err)
		}
		n++
	}
	if n > 0 {
		a.Log.Info("parked texts published", "count", n)
	}
	return n, nil
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
