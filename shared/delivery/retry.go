package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// recheck brings a message claimed by another attempt back once that claim may be stale,
// rather than fail the delivery: each failure spends one of the subscription's deliveries,
// and redeliveries faster than StaleClaim (the emulator's are immediate) would spend them
// all while the claim of a process that crashed mid-send is still fresh, leaving the message
// unsent for good.
func (s *Sender) recheck(ctx context.Context, log *slog.Logger, path string, claimedAt time.Time) error {
	due := claimedAt.Add(s.staleClaim() + time.Second)
	err := s.comeBack(ctx, path, due, attemptGeneration(claimedAt))
	if err != nil {
		return fmt.Errorf("%s: %w; and its recheck was not scheduled: %w", path, ErrInProgress, err)
	}
	log.Info("claimed by another attempt; checking again once the claim may be stale", "at", due)
	return nil
}

// defaultBusyBackoff is how long a delivery waits before calling a busy carrier (429, 5xx)
// again itself, attempt after attempt (23 s in all, within the sender's ack deadline); then it
// fails and Pub/Sub delivers the message again.
var defaultBusyBackoff = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}

// errNotStarted reports a send given up before its first call to the carrier.
var errNotStarted = errors.New("send given up before it started")

// sendRetryingBusy sends msg, calling the carrier again after BusyBackoff while it answers
// 429 or 5xx. The delivery keeps its claim and its place in the chat's ordering key, so the
// chat's later messages still wait behind it; and each delivery covers about 20 s of outage,
// so the subscription's ten deliveries outlast a minutes-long outage even where Pub/Sub
// redelivers at once (the emulator) instead of backing off.
func (s *Sender) sendRetryingBusy(ctx context.Context, log *slog.Logger, msg carrier.Message, p *pace) (carrier.Sent, error) {
	backoff := s.BusyBackoff
	if backoff == nil {
		backoff = defaultBusyBackoff
	}
	var last error
	for attempt := 0; ; attempt++ {
		finish, err := p.start(ctx)
		if err != nil {
			if last != nil {
				return carrier.Sent{}, last // the carrier's last answer took nothing either
			}
			return carrier.Sent{}, fmt.Errorf("%w: %w", errNotStarted, err)
		}
		sent, err := s.Carrier.Send(ctx, msg)
		finish()
		last = err
		var ce *carrier.Error
		if err == nil || !errors.As(err, &ce) || !ce.Transient() || attempt >= len(backoff) {
			return sent, err
		}
		log.Info("carrier busy; calling it again", "status", ce.HTTPStatus, "in", backoff[attempt])
		select {
		case <-ctx.Done():
			return sent, err
		case <-time.After(backoff[attempt]):
		}
	}
}

// comeBack schedules a send timer for path. Timer names are deterministic, and the
// generation names the attempt (attemptGeneration), so every delivery that finds the same
// attempt schedules one timer, a later attempt gets its own, and a timer that finds the
// message sent does nothing.
func (s *Sender) comeBack(ctx context.Context, path string, due time.Time, generation int) error {
	if s.Followups == nil {
		return errors.New("no timers here")
	}
	r := followup.Record{ID: "send-later", Followups: followup.Followups{Timers: []session.Timer{{SessionID: path, Kind: session.TimerSend, Generation: generation, Due: due}}}}
	return s.Followups.AfterCommit(ctx, r)
}

// attemptGeneration names a delivery attempt by its claim time (even, so that its retry, +1,
// never names another attempt).
func attemptGeneration(claimedAt time.Time) int { return int(claimedAt.UnixMicro()) * 2 }
