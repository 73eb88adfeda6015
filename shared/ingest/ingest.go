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

	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/wire"
)

// Bounds of the waits, so that the webhook answers well within the carrier's 15 s, which also
// covers connecting and a cold start.
const (
	// Wait bounds the whole acceptance of a text.
	Wait = 10 * time.Second
	// NumberWait bounds, within Wait, the check that To is one of the business's numbers
	// (cached; a read only on a cold or expired cache).
	NumberWait = 2 * time.Second
	// SettleWait is how long the fallback still waits for the other of its park and publish
	// once one of them succeeded: the text is durable then (the sweeper publishes a parked
	// one), and a text parked and published is unparked.
	SettleWait = time.Second
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
	ParkInbound(ctx context.Context, t wire.InboundText) error
	ParkedInbound(ctx context.Context, limit int) ([]wire.InboundText, error)
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

	Wait, NumberWait, SettleWait time.Duration
}

// Accept makes the text durable: published (or, on the fallback, parked or published). It
// returns ErrNotOurs for a text to another number and an error when nothing durable was done,
// which the webhook must answer as a failure so the carrier tries its fallback.
func (a *Acceptor) Accept(ctx context.Context, t wire.InboundText) error {
	ctx, cancel := context.WithTimeout(ctx, or(a.Wait, Wait))
	defer cancel()
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

func (a *Acceptor) publish(ctx context.Context, t wire.InboundText) error {
	return a.Publisher.Publish(ctx, a.Topic, session.ConsumerID(t.To, t.From), t)
}

// parkAndPublish parks and publishes the text at once; either is enough. Once one of them
// succeeded, the other gets SettleWait more (a text parked and published is unparked);
// a text only parked is left for the sweeper. A text parked and published is applied once.
func (a *Acceptor) parkAndPublish(ctx context.Context, log *slog.Logger, t wire.InboundText) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // abandons what is still running once the text is accepted
	published, parked := make(chan error, 1), make(chan error, 1)
	go func() { published <- a.publish(ctx, t) }()
	go func() { parked <- a.Parking.ParkInbound(ctx, t) }()
	var perr, kerr error
	pdone, kdone := false, false
	var grace <-chan time.Time
	for waiting := true; waiting && (!pdone || !kdone); {
		select {
		case perr = <-published:
			pdone = true
		case kerr = <-parked:
			kdone = true
		case <-grace:
			waiting = false
		}
		if grace == nil && ((pdone && perr == nil) || (kdone && kerr == nil)) {
			grace = time.After(or(a.SettleWait, SettleWait))
		}
	}
	pub, park := pdone && perr == nil, kdone && kerr == nil
	switch {
	case pub && park:
		a.unpark(ctx, log, t)
		return nil
	case pub:
		// A park still running may land later: the sweeper publishes it again, applied once.
		log.Warn("fallback: text published, not parked", "err", kerr)
		return nil
	case park:
		log.Warn("fallback: text parked, not published; the sweeper publishes it", "err", perr)
		return nil
	}
	return fmt.Errorf("accept %s: neither published (%w) nor parked (%w)", t.MessageSID, perr, kerr)
}

// unpark forgets a parked text that was published too; if that fails, the sweeper publishes
// it again, and it is applied once.
func (a *Acceptor) unpark(ctx context.Context, log *slog.Logger, t wire.InboundText) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), or(a.NumberWait, NumberWait))
	defer cancel()
	if err := a.Parking.UnparkInbound(ctx, t.MessageSID); err != nil {
		log.Warn("published text left parked; the sweeper publishes it again, applied once", "err", err)
	}
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
		pctx, cancel := context.WithTimeout(ctx, or(a.Wait, Wait))
		err := a.publish(pctx, t)
		cancel()
		if err != nil {
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
