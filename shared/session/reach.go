package session

import (
	"errors"
	"fmt"
	"time"
)

// ErrOptedOut reports a consumer who opted out; ErrBusy a consumer already in a chat; and
// ErrNoConsent a consumer with no consent on record.
var (
	ErrOptedOut  = errors.New("consumer opted out")
	ErrBusy      = errors.New("consumer is in a chat")
	ErrNoConsent = errors.New("no consent on record")
	// ErrOptOutPending reports a consumer whose possible opt-out request no agent has
	// resolved yet: no notification goes to them until then.
	ErrOptOutPending = errors.New("consumer may have asked to opt out")
)

// Consent is a consumer's agreement to receive texts, recorded with its source.
type Consent struct {
	Source string
	At     time.Time
}

// Reachable decides whether the business may start texting the consumer: not after an
// opt-out, and only with consent on record; consent, when none is on record, is recorded.
func (c *Consumer) Reachable(consent *Consent) error {
	if c.OptedOut {
		return fmt.Errorf("%w: %s opted out of %s on %s (%s)", ErrOptedOut, c.Phone, c.Business, c.OptedOutAt.Format(time.RFC3339), c.OptOutSource)
	}
	if c.ConsentAt.IsZero() {
		if consent == nil || consent.Source == "" {
			return fmt.Errorf("%w for %s on %s: pass consent.source (where and when the consumer agreed)", ErrNoConsent, c.Phone, c.Business)
		}
		c.ConsentAt, c.ConsentSource = consent.At, consent.Source
	}
	return nil
}

// AcceptNotification decides a one-way text at at to a reachable consumer with no possible
// opt-out pending, and records it (with the consumer's time zone when given).
func (c *Consumer) AcceptNotification(consent *Consent, at time.Time, timeZone string) error {
	if err := c.Reachable(consent); err != nil {
		return err
	}
	if f := c.OptOutFlag; f != nil {
		return fmt.Errorf("%w: %s wrote %q in chat %s on %s; an agent must opt them out or dismiss it first",
			ErrOptOutPending, c.Phone, f.Wording, f.SessionID, f.At.Format(time.RFC3339))
	}
	c.LastNotificationAt = at
	if timeZone != "" {
		c.TimeZone = timeZone
	}
	return nil
}

// AcceptChat decides a chat the business opens with a reachable consumer who is in no chat,
// and makes it the consumer's chat.
func (c *Consumer) AcceptChat(sessionID string, consent *Consent) error {
	if err := c.Reachable(consent); err != nil {
		return err
	}
	if c.ActiveSession != "" {
		return fmt.Errorf("%w %s; reply there through the agent API", ErrBusy, c.ActiveSession)
	}
	c.ActiveSession = sessionID
	return nil
}
