// Package delivery is the one way a message reaches a consumer: it checks the opt-out ledger,
// calls the carrier once per message and applies the carrier's delivery statuses in order.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/compliance"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Outbox is where outbound messages are stored.
type Outbox interface {
	// UpdateEntry writes what change decides on the message at path, with the follow-ups it
	// adds to then recorded in the same write; the returned record is for the caller to carry
	// out (the relay does when the caller cannot).
	UpdateEntry(ctx context.Context, path string, change func(*session.Entry, session.Consumer, *followup.Followups) bool) (session.Entry, followup.Record, error)
	UpdateStatus(ctx context.Context, path string, change func(*session.Entry, *followup.Followups) bool) (session.Entry, followup.Record, error)
	MarkOptedOut(ctx context.Context, business, phone, source string) error
}

// Carrier sends a message, finds one whose send got no answer, and tells the status of one
// it took.
type Carrier interface {
	Send(ctx context.Context, m carrier.Message) (carrier.Sent, error)
	Find(ctx context.Context, m carrier.Message, since time.Time) (carrier.Sent, bool, error)
	Status(ctx context.Context, sid string) (carrier.Status, error)
}

// Tracker hears of every change of a message's delivery status (bulk results follow them).
type Tracker interface {
	Track(ctx context.Context, path string, e session.Entry) error
}

// Lines gives a business number's configuration (time zone, sending rate, quiet hours).
type Lines interface {
	Line(ctx context.Context, number string) (config.Line, error)
}

// Followups carries out the follow-ups of a message's change once written: the timer of a
// message held for quiet hours, the announcement of a one-way text the carrier accepted.
type Followups interface {
	AfterCommit(ctx context.Context, r followup.Record) error
}

// Sender delivers stored outbound messages.
type Sender struct {
	Outbox  Outbox
	Carrier Carrier
	Lines   Lines
	// Followups carries out what a status change left to do; when nil (the status webhook),
	// the relay does.
	Followups Followups
	// paces hold each sending number to the rate its carrier registration allows.
	paces sync.Map // number → *pace
	// CallbackURL is the status webhook URL for the message at path.
	CallbackURL func(path string) string
	Log         *slog.Logger
	// StaleClaim is how long after its start a delivery attempt may stay unfinished before
	// another may retry (zero is DefaultStaleClaim); the attempt gives up a fifth before.
	StaleClaim time.Duration
	// BusyBackoff are the waits before calling a busy carrier again within one delivery; nil
	// is defaultBusyBackoff.
	BusyBackoff []time.Duration
	// Results, when set, hears of every status change.
	Results Tracker
	// RecheckAfter is how long after the carrier took a message its status is asked of the
	// carrier if no final status arrived by then (see Reconciler); zero asks never.
	RecheckAfter time.Duration
}

// DefaultStaleClaim covers one attempt: the busy carrier's retries (23 s of waits) and their
// calls, each bounded by the carrier client's timeout.
const DefaultStaleClaim = 45 * time.Second

// staleClaim is StaleClaim or its default.
func (s *Sender) staleClaim() time.Duration {
	if s.StaleClaim > 0 {
		return s.StaleClaim
	}
	return DefaultStaleClaim
}

// ErrInProgress reports that another attempt is delivering the message right now.
var ErrInProgress = errors.New("delivery in progress elsewhere")

type decision int

const (
	skip decision = iota
	send
	busy
	claimed
	blocked
	deferred
)

// Deliver sends the message stored at path unless it was sent already, is being sent, or its
// consumer opted out. An error means the message should be retried later.
//
// Any HTTP answer from the carrier is a known outcome: an acceptance, a refusal, or a 429 or
// 5xx that took nothing and is retried. Only a call without an answer is ambiguous: then the
// carrier is asked whether it has the message before it is sent again, at once, and again by
// whichever delivery finds the attempt unfinished after StaleClaim (a crash mid-call).
//
// The claim names when the attempt starts: the number's turn at its rate limiter, reserved
// as the claim is written. A message waiting for its turn stays claimed, and an attempt
// killed mid-call holds its message for StaleClaim after it started, not after the wait.
func (s *Sender) Deliver(ctx context.Context, path string) error {
	now := time.Now().Truncate(time.Microsecond)
	var d decision
	var line config.Line
	var unfinished bool
	var claimedAt time.Time
	var number *pace
	var turn *rate.Reservation
	cancelTurn := func() {
		if turn != nil {
			turn.Cancel()
			turn = nil
		}
	}
	e, rec, err := s.Outbox.UpdateEntry(ctx, path, func(e *session.Entry, c session.Consumer, then *followup.Followups) bool {
		d, unfinished = skip, false
		cancelTurn() // a transaction run again reserves again
		switch e.Status {
		case session.StatusPending, session.StatusScheduled:
			if e.NotBefore.After(now) {
				return false // its timer brings it back
			}
		case session.StatusDispatching:
			if now.Sub(e.ClaimedAt) < s.staleClaim() {
				d, claimedAt = claimed, e.ClaimedAt
				return false
			}
			unfinished = true
		default:
			return false
		}
		if !c.MayReceive(*e) {
			d, e.Status = blocked, session.StatusBlocked
			return true
		}
		var err error
		if line, err = s.Lines.Line(ctx, e.Business); err != nil {
			d = busy
			return false
		}
		if e.Notification {
			if next := line.Quiet.NextAllowed(now, c.Location(line.Location())); next.After(now) {
				d, e.Status, e.NotBefore = deferred, session.StatusScheduled, next
				then.Timers = append(then.Timers, session.Timer{SessionID: path, Kind: session.TimerSend, Due: next})
				return true
			}
		}
		e.Encoding, e.Segments = compliance.Encoding(e.Body), compliance.Segments(e.Body)
		at := time.Now()
		number = s.pace(e.Business, line.Number.MPS)
		turn = number.limiter.ReserveN(at, 1)
		// Firestore keeps microseconds: the claim time must compare equal after a round trip.
		d, e.Status, e.ClaimedAt = send, session.StatusDispatching, at.Add(turn.DelayFrom(at)).Truncate(time.Microsecond)
		return true
	})
	if err != nil || d != send {
		cancelTurn()
	}
	if err != nil {
		return fmt.Errorf("claim %s: %w", path, err)
	}
	log := s.Log.With("path", path, "to", e.Phone)
	switch d {
	case skip:
		return nil
	case busy:
		return fmt.Errorf("%s: %w", path, ErrInProgress)
	case claimed:
		return s.recheck(ctx, log, path, claimedAt)
	case blocked:
		log.Info("not sent: the consumer opted out, or may have asked to and no agent has settled it", "kind", e.Kind)
		s.track(ctx, log, path, e)
		return nil
	case deferred:
		log.Info("held for quiet hours", "until", e.NotBefore)
		s.carryOut(ctx, log, rec)
		return nil
	}
	urls := make([]string, 0, len(e.Media))
	for _, m := range e.Media {
		urls = append(urls, m.URL)
	}
	msg := carrier.Message{From: e.Business, To: e.Phone, Body: e.Body, MediaURLs: urls, StatusCallback: s.CallbackURL(path)}
	if err := waitUntil(ctx, e.ClaimedAt); err != nil {
		cancelTurn()
		_, _, _ = s.Outbox.UpdateStatus(context.WithoutCancel(ctx), path, release(e.ClaimedAt))
		return fmt.Errorf("rate limit wait for %s: %w", e.Business, err)
	}
	// The attempt ends before its claim goes stale, so that no other starts while it runs.
	attempt, cancel := context.WithDeadline(ctx, e.ClaimedAt.Add(s.staleClaim()*4/5))
	defer cancel()
	if unfinished {
		// An earlier attempt never finished: the carrier may have the message.
		found, ok, err := s.Carrier.Find(attempt, msg, due(e))
		if err != nil {
			log.Error("cannot ask the carrier about an unfinished attempt; will ask again", "err", err)
			return fmt.Errorf("find %s at the carrier: %w", path, err)
		}
		if ok {
			log.Info("an unfinished attempt had reached the carrier", "sid", found.SID)
			return s.sent(ctx, log, path, e, found)
		}
	}
	sent, err := s.sendRetryingBusy(attempt, log, msg, number)
	var ce *carrier.Error
	switch {
	case err == nil:
		return s.sent(ctx, log, path, e, sent)
	case errors.Is(err, errNotStarted):
		_, _, _ = s.Outbox.UpdateStatus(context.WithoutCancel(ctx), path, release(e.ClaimedAt))
		return fmt.Errorf("send %s: %w", path, err)
	case errors.As(err, &ce) && ce.Transient():
		log.Warn("carrier busy, will retry", "status", ce.HTTPStatus, "err", err)
		if _, _, rerr := s.Outbox.UpdateStatus(ctx, path, release(e.ClaimedAt)); rerr != nil {
			log.Error("release failed", "err", rerr)
		}
		return err
	case errors.As(err, &ce):
		log.Warn("carrier refused", "code", ce.Code, "err", err)
		if ce.Code == carrier.CodeUnsubscribed {
			if err := s.Outbox.MarkOptedOut(ctx, e.Business, e.Phone, fmt.Sprintf("carrier error %d", ce.Code)); err != nil {
				return err
			}
		}
		return s.update(ctx, log, path, func(e *session.Entry, _ *followup.Followups) bool {
			e.Status, e.ErrorCode = "failed", ce.Code
			return true
		})
	}
	// No answer: ask the carrier now rather than wait out the claim.
	log.Warn("no answer from the carrier; asking it whether it has the message", "err", err)
	found, ok, ferr := s.Carrier.Find(attempt, msg, due(e))
	switch {
	case ferr != nil:
		// Leave the claim: after StaleClaim a delivery asks again before sending.
		log.Error("cannot ask the carrier; will ask again", "err", ferr)
		return fmt.Errorf("send %s: %w; and %w", path, err, ferr)
	case ok:
		log.Info("the carrier had the message", "sid", found.SID)
		return s.sent(ctx, log, path, e, found)
	}
	if _, _, rerr := s.Outbox.UpdateStatus(ctx, path, release(e.ClaimedAt)); rerr != nil {
		log.Error("release failed", "err", rerr)
	}
	return fmt.Errorf("send %s: not taken by the carrier, will resend: %w", path, err)
}

// waitUntil returns at t, or with ctx's error if ctx ends first.
func waitUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// due is when the message could first have gone out: the carrier cannot have it from before.
func due(e session.Entry) time.Time {
	if e.NotBefore.After(e.At) {
		return e.NotBefore
	}
	return e.At
}

// KnownOutbox is an Outbox that can write a status change onto a message as the caller last
// wrote it (the entry UpdateEntry returned), reading it again only when it changed since.
type KnownOutbox interface {
	UpdateStatusOn(ctx context.Context, path string, known session.Entry, change func(*session.Entry, *followup.Followups) bool) (session.Entry, followup.Record, error)
}

// sent records the carrier's acceptance of the message at path. e is the message as the
// claim wrote it: the acceptance usually lands before the carrier's first callback, so it is
// written onto e without reading the message again when the Outbox can (KnownOutbox).
func (s *Sender) sent(ctx context.Context, log *slog.Logger, path string, e session.Entry, sent carrier.Sent) error {
	log.Info("sent", "sid", sent.SID, "status", sent.Status)
	return s.applyStatus(ctx, path, &e, sent.SID, sent.Status, 0)
}

// carryOut carries out a written change's follow-ups. A failure is logged, not returned: the
// record stays in the outbox and the relay carries it out.
func (s *Sender) carryOut(ctx context.Context, log *slog.Logger, rec followup.Record) {
	switch {
	case rec.Empty():
	case s.Followups == nil:
		log.Info("follow-ups left for the relay", "record", rec.ID)
	default:
		if err := s.Followups.AfterCommit(ctx, rec); err != nil {
			log.Error("follow-ups not carried out; the relay will", "record", rec.ID, "err", err)
		}
	}
}

// update changes the message's status as change decides and tells the tracker of a change.
func (s *Sender) update(ctx context.Context, log *slog.Logger, path string, change func(*session.Entry, *followup.Followups) bool) error {
	return s.updateOn(ctx, log, path, nil, change)
}

// updateOn is update decided on known when it is set and the Outbox is a KnownOutbox.
func (s *Sender) updateOn(ctx context.Context, log *slog.Logger, path string, known *session.Entry, change func(*session.Entry, *followup.Followups) bool) error {
	changed := false
	decide := func(e *session.Entry, then *followup.Followups) bool {
		changed = change(e, then)
		return changed
	}
	var e session.Entry
	var rec followup.Record
	var err error
	if ko, ok := s.Outbox.(KnownOutbox); ok && known != nil {
		e, rec, err = ko.UpdateStatusOn(ctx, path, *known, decide)
	} else {
		e, rec, err = s.Outbox.UpdateStatus(ctx, path, decide)
	}
	if err != nil {
		return err
	}
	s.carryOut(ctx, log, rec)
	if changed {
		s.track(ctx, log, path, e)
	}
	return nil
}

// track tells the tracker of a status change. A failure is logged, not returned: the
// message's own status is recorded, and later statuses bring the tracker up to date.
func (s *Sender) track(ctx context.Context, log *slog.Logger, path string, e session.Entry) {
	if s.Results == nil {
		return
	}
	if err := s.Results.Track(ctx, path, e); err != nil {
		log.Error("status not passed on", "status", e.Status, "err", err)
	}
}

// release hands a claimed message back for a later attempt.
func release(claimedAt time.Time) func(*session.Entry, *followup.Followups) bool {
	return func(e *session.Entry, _ *followup.Followups) bool {
		if e.Status != session.StatusDispatching || !e.ClaimedAt.Equal(claimedAt) {
			return false
		}
		e.Status = session.StatusPending
		return true
	}
}

// StatusReporter is an Outbox that can write a status callback onto a message without
// reading it (folded into the message's status as it is read); it reports false for a
// message whose status changes must be decided on the message read.
type StatusReporter interface {
	ReportStatus(ctx context.Context, path, sid, status string, code int, final bool) (bool, error)
}

// ApplyStatus records a delivery status for the message at path. Statuses only move forward,
// so callbacks arriving late, twice or out of order change nothing. A chat's message takes it
// without a read where the Outbox can (StatusReporter): nothing else follows from it.
func (s *Sender) ApplyStatus(ctx context.Context, path, sid, status string, code int) error {
	if r, ok := s.Outbox.(StatusReporter); ok && sid != "" {
		done, err := r.ReportStatus(ctx, path, sid, status, code, final(status))
		if err != nil {
			return fmt.Errorf("apply status %s to %s: %w", status, path, err)
		}
		if done {
			return nil
		}
	}
	return s.applyStatus(ctx, path, nil, sid, status, code)
}

// applyStatus is ApplyStatus decided on known when it is set (see sent).
func (s *Sender) applyStatus(ctx context.Context, path string, known *session.Entry, sid, status string, code int) error {
	err := s.updateOn(ctx, s.Log.With("path", path), path, known, func(e *session.Entry, then *followup.Followups) bool {
		if e.MessageSID != "" && sid != "" && e.MessageSID != sid {
			return false // a callback for another attempt of this message
		}
		changed := false
		if e.MessageSID == "" && sid != "" {
			e.MessageSID, changed = sid, true
			if e.AcceptedAt.IsZero() {
				e.AcceptedAt = time.Now().UTC().Truncate(time.Microsecond)
			}
			if e.Notification && strings.HasPrefix(path, "consumers/") {
				// The carrier has a one-way text: the CRM records it once it is sent, and the
				// reports count it (and its bill) in this hour.
				then.Events = append(then.Events, chatevents.Event{Type: chatevents.Outbound, Message: path})
				then.TallyTexts = append(then.TallyTexts, path)
			}
		}
		if Rank(status) > Rank(e.Status) {
			e.Status, e.ErrorCode, changed = status, code, true
		}
		if changed {
			e.RecheckAt = s.firstRecheck(*e)
		}
		return changed
	})
	if err != nil {
		return fmt.Errorf("apply status %s to %s: %w", status, path, err)
	}
	return nil
}

// Rank orders delivery statuses; a message never moves to a lower rank.
func Rank(status string) int { return session.StatusRank(status) }
