// Package conversation applies a consumer's texts to their chat: it runs the session state
// machine inside a store transaction, sends its replies and starts assignment.
package conversation

import (
	"context"
	"errors"
	"log/slog"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/media"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Store is what the conversation reads and changes.
type Store interface {
	Line(ctx context.Context, number string) (config.Line, error)
	ApplyInbound(ctx context.Context, in session.Inbound, decide func(session.Consumer, *session.Session) session.Outcome) (session.Applied, error)
}

// Outbox sends stored messages.
type Outbox interface {
	Send(ctx context.Context, paths ...string) error
}

// Scheduler schedules a chat's timers.
type Scheduler interface {
	Schedule(ctx context.Context, timers ...session.Timer) error
}

// Router assigns chats to agents.
type Router interface {
	AssignChat(ctx context.Context, s session.Session) error
	FillAgent(ctx context.Context, agentID string) error
}

// MediaCopier keeps a text's MMS media: copies in the media bucket, and why others were refused.
type MediaCopier interface {
	Copy(ctx context.Context, messageSID string, items []media.Item) ([]media.Stored, []media.Refused, error)
}

// Service handles inbound texts.
type Service struct {
	Store      Store
	TimerStore TimerStore
	Outbox     Outbox
	Router     Router
	Timers     Scheduler
	// Media, when set, copies MMS media from the carrier before the text is applied.
	Media MediaCopier
	// Events, when set, hears of chats that ended and of media received (the CRM records them).
	Events bus.Emitter
	Log    *slog.Logger
}

// Handle applies one inbound text. It is safe to call again with the same text: the text is
// applied once and its replies are sent again only if they were not sent yet.
func (s *Service) Handle(ctx context.Context, t bus.InboundText) error {
	log := s.Log.With("messageSid", t.MessageSID, "business", t.To)
	line, err := s.Store.Line(ctx, t.To)
	if errors.Is(err, store.ErrNotFound) {
		log.Error("text to a number that is not configured; dropped")
		return nil
	}
	if err != nil {
		return err
	}
	in := session.Inbound{
		MessageSID: t.MessageSID, Business: t.To, Phone: t.From, Body: t.Body, Media: t.Media,
		At: t.ReceivedAt, CarrierKeyword: t.OptOutType,
	}
	if len(in.Media) > 0 && s.Media != nil {
		if err := s.keepMedia(ctx, &in); err != nil {
			return err // the carrier or the bucket is unavailable: Pub/Sub retries
		}
	}
	res, err := s.Store.ApplyInbound(ctx, in, func(c session.Consumer, cur *session.Session) session.Outcome {
		return session.Handle(line, c, cur, in)
	})
	if err != nil {
		return err
	}
	if res.Duplicate {
		log.Info("redelivered text: already applied")
		return s.Outbox.Send(ctx, res.Outbox...)
	}
	if res.Session != nil {
		log = log.With("session", res.Session.ID, "state", res.Session.State)
	}
	log.Info("text applied", "replies", len(res.Outbox))
	if cs := res.Session; cs != nil {
		switch {
		case cs.State == session.Ended:
			bus.Emit(ctx, s.Events, bus.ChatEvent{Type: bus.ChatEnded, SessionID: cs.ID})
		case len(in.Media) > 0:
			bus.Emit(ctx, s.Events, bus.ChatEvent{Type: bus.ChatMedia, SessionID: cs.ID})
		}
	}
	if err := s.Outbox.Send(ctx, res.Outbox...); err != nil {
		return err
	}
	if cs := res.Session; res.Flagged && cs.AgentID != "" && s.TimerStore != nil {
		// The chat view shows the request in any case; the notice only calls the agent's eye.
		e := store.AgentEvent{Type: store.EventPossibleOptOut, SessionID: cs.ID, Reason: cs.OptOutFlag.Wording, At: in.At}
		if err := s.TimerStore.AddAgentEvent(ctx, cs.AgentID, e); err != nil {
			log.Error("possible opt-out notice not added", "agent", cs.AgentID, "err", err)
		}
	}
	if err := s.Timers.Schedule(ctx, res.Timers...); err != nil {
		log.Error("timers not scheduled; the sweeper will catch them", "err", err)
	}
	if res.Queued {
		if err := s.Router.AssignChat(ctx, *res.Session); err != nil {
			// The chat stays queued; the next free agent takes it.
			log.Error("assignment failed", "err", err)
		}
	}
	if res.FreedAgent != "" {
		if err := s.Router.FillAgent(ctx, res.FreedAgent); err != nil {
			log.Error("refilling agent failed", "agent", res.FreedAgent, "err", err)
		}
	}
	return nil
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
