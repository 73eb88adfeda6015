package delivery

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Unsettled is a message the carrier took whose final status has not arrived, due to be
// asked of the carrier at RecheckAt.
type Unsettled struct {
	Path, SID string
	RecheckAt time.Time
}

// UnsettledMessages lists the messages due a status check by due, most overdue first.
type UnsettledMessages interface {
	UnsettledMessages(ctx context.Context, due time.Time, limit int) ([]Unsettled, error)
}

// recheckSchedule is when, in multiples of Sender.RecheckAfter after the carrier took a
// message, its status is asked again while it is not final: soon, for a callback lost to an
// outage; later, for a message the carrier still held; then never, as some destinations
// never report past sent.
var recheckSchedule = []int{1, 6, 72}

// firstRecheck is when the status of e is first asked of the carrier: zero when it is final,
// when the carrier has not taken it, or when statuses are never asked; else the time already
// set, or RecheckAfter after the carrier took it.
func (s *Sender) firstRecheck(e session.Entry) time.Time {
	if s.RecheckAfter <= 0 || e.MessageSID == "" || final(e.Status) {
		return time.Time{}
	}
	if !e.RecheckAt.IsZero() {
		return e.RecheckAt
	}
	return e.AcceptedAt.Add(time.Duration(recheckSchedule[0]) * s.RecheckAfter)
}

// nextRecheck is the first time of the schedule after now for a message the carrier took at
// accepted; zero once the schedule is over.
func (s *Sender) nextRecheck(accepted, now time.Time) time.Time {
	for _, k := range recheckSchedule {
		if at := accepted.Add(time.Duration(k) * s.RecheckAfter); at.After(now) {
			return at
		}
	}
	return time.Time{}
}

// final reports whether a status is the last a message gets from the carrier.
func final(status string) bool { return Rank(status) >= Rank("delivered") }

// Reconciler asks the carrier for the statuses that never arrived: the carrier calls a
// status webhook once, and a callback made while the functions were down is gone.
type Reconciler struct {
	// Sender records what the carrier says, and its Carrier is asked.
	Sender   *Sender
	Messages UnsettledMessages
	// Batch bounds the messages one sweep asks about (default 100); the next sweep asks
	// about the rest.
	Batch int
}

// reconcileCalls bounds the carrier calls of a sweep in flight at once.
const reconcileCalls = 4

// Sweep asks the carrier for the status of each message due a check by now and records it;
// it reports how many statuses it learnt. A message the carrier could not be asked about
// stays due and is asked about at the next sweep.
func (r *Reconciler) Sweep(ctx context.Context, now time.Time) (int, error) {
	batch := r.Batch
	if batch <= 0 {
		batch = 100
	}
	due, err := r.Messages.UnsettledMessages(ctx, now, batch)
	if err != nil {
		return 0, err
	}
	var learnt atomic.Int64
	// A plain group: one message's failure must not cancel the others' checks; Wait reports
	// the first.
	var g errgroup.Group
	g.SetLimit(reconcileCalls)
	for _, u := range due {
		g.Go(func() error {
			changed, err := r.settle(ctx, u, now)
			if err != nil {
				r.Sender.Log.Warn("status not learnt from the carrier; asking again at the next sweep", "path", u.Path, "sid", u.SID, "err", err)
				return err
			}
			if changed {
				learnt.Add(1)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return int(learnt.Load()), fmt.Errorf("reconcile statuses: %w", err)
	}
	return int(learnt.Load()), nil
}

// settle asks the carrier for u's status, records it when it moves the message forward and
// sets the next check; it reports whether the status moved.
func (r *Reconciler) settle(ctx context.Context, u Unsettled, now time.Time) (bool, error) {
	st, err := r.Sender.Carrier.Status(ctx, u.SID)
	gone := errors.Is(err, carrier.ErrUnknownMessage)
	if err != nil && !gone {
		return false, err
	}
	moved := false
	err = r.Sender.update(ctx, r.Sender.Log.With("path", u.Path), u.Path, func(e *session.Entry, _ *followup.Followups) bool {
		moved = false
		if e.MessageSID != u.SID || e.RecheckAt.IsZero() {
			return false // settled since it was listed
		}
		if !gone && Rank(st.Status) > Rank(e.Status) {
			e.Status, e.ErrorCode, moved = st.Status, st.ErrorCode, true
		}
		e.RecheckAt = time.Time{}
		if !gone && !final(e.Status) {
			e.RecheckAt = r.Sender.nextRecheck(e.AcceptedAt, now)
		}
		return true
	})
	if err != nil {
		return false, fmt.Errorf("record the carrier's status of %s: %w", u.Path, err)
	}
	if moved {
		r.Sender.Log.Info("status learnt from the carrier", "path", u.Path, "sid", u.SID, "status", st.Status)
	}
	return moved, nil
}
