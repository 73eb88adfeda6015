package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// EndWithCall ends the chat tied to a call that just ended (session.EndWithCall decides): a
// chat that does not exist or already ended is left as it is, so a retried status callback
// changes nothing.
func (d *Desk) EndWithCall(ctx context.Context, sessionID string) error {
	s, err := d.Store.Session(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (s.State == session.Ended || !s.TiedToCall())) {
		return nil
	}
	if err != nil {
		return err
	}
	line, err := d.Store.Line(ctx, s.Business)
	if err != nil {
		return err
	}
	now := time.Now()
	_, rec, err := d.Store.ChangeChat(ctx, sessionID, "call-ended", func(c session.Consumer, cur session.Session) (session.Outcome, followup.Followups, error) {
		o, err := session.EndWithCall(line, c, cur, now)
		f := Ended(sessionID, cur.AgentID)
		if cur.AgentID == "" {
			f.Fill = nil // nobody held it: no agent freed
		}
		f.Timers = o.Timers
		return o, f, err
	})
	if errors.Is(err, session.ErrEnded) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("end chat %s with its call: %w", sessionID, err)
	}
	d.Log.Info("chat ended with its call", "session", sessionID)
	d.Followups.Settle(ctx, rec)
	return nil
}
