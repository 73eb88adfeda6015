package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Errors of answering an offer.
var (
	// ErrOfferExpired reports an answer after the offer's deadline (or after it was recorded
	// missed): the chat went, or goes, to the next agent.
	ErrOfferExpired = errors.New("offer expired")
	// ErrNotOffered reports an answer to a chat that is not offered to the agent (any more).
	ErrNotOffered = errors.New("not offered to you")
)

// Accept is a manual-answer agent accepting the chat offered to them: before the deadline it
// is theirs, exactly as an auto assignment (the consumer is told who they chat with), with
// start type manual answer. It answers the chat as it then stands.
func (d *Desk) Accept(ctx context.Context, viewer routing.Agent, sessionID string) (Chat, error) {
	line, err := d.offeredLine(ctx, viewer, sessionID)
	if err != nil {
		return Chat{}, err
	}
	now := time.Now()
	_, rec, err := d.Store.AnswerOffer(ctx, sessionID, viewer.ID, now, func(s *session.Session, a routing.Agent) (store.OfferAnswer, error) {
		e, then, err := routing.Accept(line, s, a, now)
		return store.OfferAnswer{Entry: &e, Then: then}, err
	})
	if err != nil {
		return Chat{}, offerError(sessionID, err)
	}
	d.Log.Info("offer accepted", "session", sessionID, "agent", viewer.ID)
	d.Followups.Settle(ctx, rec)
	return d.Chat(ctx, viewer, sessionID)
}

// Decline is a manual-answer agent declining the chat offered to them: the miss is recorded
// (reason declined) and the chat goes to the next eligible agent, or waits. It answers the
// chat as the agent leaves it.
func (d *Desk) Decline(ctx context.Context, viewer routing.Agent, sessionID string) (Chat, error) {
	line, err := d.offeredLine(ctx, viewer, sessionID)
	if err != nil {
		return Chat{}, err
	}
	now := time.Now()
	s, rec, err := d.Store.AnswerOffer(ctx, sessionID, viewer.ID, now, func(s *session.Session, a routing.Agent) (store.OfferAnswer, error) {
		m, then, err := routing.Decline(line, s, a, now)
		return store.OfferAnswer{Missed: &m, Then: then}, err
	})
	if err != nil {
		return Chat{}, offerError(sessionID, err)
	}
	d.Log.Info("offer declined", "session", sessionID, "agent", viewer.ID)
	d.Followups.Settle(ctx, rec)
	t, err := d.Store.Transcript(ctx, sessionID)
	if err != nil {
		return Chat{}, err
	}
	out := []Chat{{Session: s, Transcript: t}}
	return out[0], d.withContacts(ctx, out)
}

// offeredLine reads the line of a chat offered (now or before) to the viewer. A chat that
// names nothing, or that the viewer was never offered and may not read, is not found, as
// any other chat not theirs.
func (d *Desk) offeredLine(ctx context.Context, viewer routing.Agent, sessionID string) (config.Line, error) {
	s, err := d.Store.Session(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.Missed(viewer.ID) && !CanRead(viewer, s)) {
		return config.Line{}, fmt.Errorf("chat %s: %w", ids.Short(sessionID), ErrNotYourChat)
	}
	if err != nil {
		return config.Line{}, err
	}
	return d.Store.Line(ctx, s.Business)
}

// offerError says why an answer to an offer was refused.
func offerError(sessionID string, err error) error {
	switch {
	case errors.Is(err, session.ErrOfferExpired):
		return fmt.Errorf("chat %s: %w: the chat goes to the next agent", ids.Short(sessionID), ErrOfferExpired)
	case errors.Is(err, session.ErrNotOffered):
		return fmt.Errorf("chat %s: %w", ids.Short(sessionID), ErrNotOffered)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("chat %s: %w", ids.Short(sessionID), ErrNotYourChat)
	}
	return err
}
