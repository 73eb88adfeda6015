// Package conversation applies a consumer's texts and a chat's timers to the chat: it runs
// the session state machine inside a store transaction that also records what the change
// leaves to do (replies to send, events, timers, assignment), then has it carried out.
package conversation

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ewt"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/media"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
	"github.com/smsdesk/smsdesk/shared/wire"
)

// Store is what the conversation reads and changes.
type Store interface {
	Line(ctx context.Context, number string) (config.Line, error)
	ApplyInbound(ctx context.Context, in session.Inbound, decide func(session.Consumer, *session.Session) (session.Outcome, followup.Followups)) (session.Applied, followup.Record, error)
}

// Followups carries out what a committed change left to do (followup.Executor).
type Followups interface {
	AfterCommit(ctx context.Context, r followup.Record) error
}

// MediaCopier keeps a text's MMS media: copies in the media bucket, and why others were refused.
type MediaCopier interface {
	Copy(ctx context.Context, messageSID string, items []media.Item) ([]media.Stored, []media.Refused, error)
}

// BlockList says which consumers' texts are dropped, and records each drop once.
type BlockList interface {
	Blocked(ctx context.Context, phone string) (bool, error)
	RecordBlocked(ctx context.Context, d store.BlockedDrop) error
}

// Estimator estimates the wait of a chat joining a queue (ewt.Estimator).
type Estimator interface {
	LoadLine(ctx context.Context, lob string, now time.Time) (ewt.Line, error)
}

// Service handles inbound texts.
type Service struct {
	Store Store
	// Estimates, when set, tell a consumer joining a queue their place and wait.
	Estimates Estimator
	// Blocked, when set, drops the texts of blocked numbers: they open nothing and get no
	// reply, and each is recorded.
	Blocked    BlockList
	TimerStore TimerStore
	Followups  Followups
	// Media, when set, copies MMS media from the carrier before the text is applied.
	Media MediaCopier
	Log   *slog.Logger
}

// Handle applies one inbound text. It is safe to call again with the same text: the text is
// applied once, and what it left to do is carried out again only if it was not done yet.
func (s *Service) Handle(ctx context.Context, t wire.InboundText) error {
	log := s.Log.With("messageSid", t.MessageSID, "business", t.To)
	line, err := s.Store.Line(ctx, t.To)
	if errors.Is(err, store.ErrNotFound) {
		log.Error("text to a number that is not configured; dropped")
		return nil
	}
	if err != nil {
		return err
	}
	if s.Blocked != nil {
		blocked, err := s.Blocked.Blocked(ctx, t.From)
		if err != nil {
			return err
		}
		if blocked {
			log.Info("text from a blocked number: dropped")
			return s.Blocked.RecordBlocked(ctx, store.BlockedDrop{ID: t.MessageSID, Channel: reports.DropText, Number: t.From,
				Business: t.To, LineOfBusiness: line.Number.LineOfBusiness, At: t.ReceivedAt})
		}
	}
	in := session.Inbound{
		MessageSID: t.MessageSID, Business: t.To, Phone: t.From, Body: t.Body, Media: t.Media,
		At: t.ReceivedAt, CarrierKeyword: t.OptOutType,
	}
	if s.Estimates != nil && line.MayQueue(t.Body) {
		in.Estimate = s.estimate(ctx, log, line.Number.LineOfBusiness, in.At)
	}
	if len(in.Media) > 0 && s.Media != nil {
		if err := s.keepMedia(ctx, &in); err != nil {
			return err // the carrier or the bucket is unavailable: Pub/Sub retries
		}
	}
	res, rec, err := s.Store.ApplyInbound(ctx, in, func(c session.Consumer, cur *session.Session) (session.Outcome, followup.Followups) {
		o := session.Handle(line, c, cur, in)
		return o, TextFollowups(in, o)
	})
	if err != nil {
		return err
	}
	if res.Duplicate {
		log.Info("redelivered text: already applied", "pending", rec.Stored)
		if !rec.Stored {
			return nil
		}
	} else {
		if res.Session != nil {
			log = log.With("session", res.Session.ID, "state", res.Session.State)
		}
		log.Info("text applied", "replies", len(res.Outbox))
	}
	if err := s.Followups.AfterCommit(ctx, rec); err != nil {
		if rec.Stored {
			return err // Pub/Sub delivers the text again, which carries out what is left
		}
		log.Error("timers not scheduled; the sweeper will catch them", "err", err)
	}
	return nil
}

// estimate tells a chat joining a queue of line of business lob its place and wait. The
// line's agents and handle times are loaded the first time a chat joins a queue and must
// wait, and only then: most texts belong to a chat already queued or answered, and most
// chats joining a queue go to an agent with room at once. The chats ahead are counted
// for the queue joined. The reads are not part of the transaction, so they take no lock; a
// retried transaction uses what was read first.
func (s *Service) estimate(ctx context.Context, log *slog.Logger, lob string, at time.Time) func(string, int) (session.WaitEstimate, bool) {
	var (
		once sync.Once
		st   ewt.Line
		err  error
		got  = map[queueAt]ewt.Estimate{}
	)
	return func(queueID string, priority int) (session.WaitEstimate, bool) {
		once.Do(func() {
			if st, err = s.Estimates.LoadLine(ctx, lob, at); err != nil {
				log.Warn("no wait estimate", "err", err)
			}
		})
		if err != nil {
			return session.WaitEstimate{}, false
		}
		key := queueAt{queueID, priority}
		e, ok := got[key]
		if !ok {
			var qerr error
			if e, qerr = st.Join(ctx, queueID, priority, at); qerr != nil {
				log.Warn("no wait estimate", "queue", queueID, "err", qerr)
				return session.WaitEstimate{}, false
			}
			got[key] = e
		}
		return session.WaitEstimate{Position: e.Position, Minutes: e.Minutes()}, !e.Unstaffed
	}
}

// queueAt is a queue and a priority in it.
type queueAt struct {
	queue    string
	priority int
}

// TextFollowups are what an applied text leaves to do: its replies are sent (the store adds
// them), an ended chat and received media are announced, the chat's timers scheduled, a
// possible opt-out request shown to the agent, a newly queued chat offered to agents and
// an agent freed by the chat's end given the next chat.
func TextFollowups(in session.Inbound, o session.Outcome) followup.Followups {
	f := followup.Followups{Timers: o.Timers}
	if cs := o.Session; cs != nil {
		switch {
		case cs.State == session.Ended:
			f.Add(followup.Ended(cs.ID))
		case len(in.Media) > 0:
			f.Events = append(f.Events, chatevents.Event{Type: chatevents.Media, SessionID: cs.ID})
		}
		if o.Flagged && cs.AgentID != "" && cs.OptOutFlag != nil {
			// The chat view shows the request in any case; the notice only calls the agent's eye.
			f.Notices = append(f.Notices, followup.Notice{To: cs.AgentID, Type: store.EventPossibleOptOut,
				SessionID: cs.ID, Reason: cs.OptOutFlag.Wording, At: in.At})
		}
		if o.Queued {
			f.Assign = append(f.Assign, followup.Waiting(*cs))
		}
	}
	for _, a := range []string{o.FreedAgent, o.Withdrawn} {
		if a != "" {
			f.Fill = append(f.Fill, a)
		}
	}
	return f
}

// keepMedia copies the text's media into the media bucket (every item, idempotently) and
// replaces the carrier's URLs by the copies; refused items become notes in the transcript.
func (s *Service) keepMedia(ctx context.Context, in *session.Inbound) error {
	items := make([]media.Item, len(in.Media))
	for i, m := range in.Media {
		items[i] = media.Item{URL: m.URL, ContentType: m.ContentType}
	}
	stored, refused, err := s.Media.Copy(ctx, in.MessageSID, items)
	if err != nil {
		return err
	}
	kept := make([]session.Media, 0, len(stored))
	for _, st := range stored {
		kept = append(kept, session.Media{Object: st.Object, ContentType: st.ContentType})
	}
	in.Media = kept
	for _, r := range refused {
		what := r.ContentType
		if what == "" {
			what = "media"
		}
		in.RefusedMedia = append(in.RefusedMedia, what+": "+r.Reason)
	}
	return nil
}
