package config

import (
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/compliance"
)

// DefaultCapacity is the number of concurrent chats an agent takes when neither the agent nor the
// settings say.
const DefaultCapacity = 3

// DefaultOfferTimeout is how long a manual-answer agent has to accept an offered chat when the
// settings do not say: long enough to finish a sentence elsewhere, short enough for the consumer.
const DefaultOfferTimeout = 30 * time.Second

// OfferTimeout is how long an offer of a chat to a manual-answer agent stands.
func (s Settings) OfferTimeout() time.Duration {
	if s.OfferTimeoutSeconds > 0 {
		return time.Duration(s.OfferTimeoutSeconds) * time.Second
	}
	return DefaultOfferTimeout
}

// DefaultLanguage is the language of an agent whose config lists none.
const DefaultLanguage = "en"

// Quiet returns the settings' quiet hours, else the default 08:00 to 21:00.
func (s Settings) Quiet() (compliance.QuietHours, error) {
	if s.QuietHours == nil {
		return compliance.DefaultQuietHours, nil
	}
	q, err := compliance.ParseQuietHours(s.QuietHours.Start, s.QuietHours.End)
	if err != nil {
		return compliance.QuietHours{}, fmt.Errorf("settings quiet hours: %w", err)
	}
	return q, nil
}

// WithSettings returns the line with the deployment-wide settings it follows: chat off, the
// default timeouts and the quiet hours.
func (l Line) WithSettings(s Settings) (Line, error) {
	q, err := s.Quiet()
	if err != nil {
		return Line{}, err
	}
	l.ChatOff, l.Defaults, l.Quiet, l.OfferTimeout, l.CRM = s.SMSChatOff, s.Timeouts, q, s.OfferTimeout(), s.CRM
	return l, nil
}

// WithDefaults returns the agent with what its config leaves out filled in: capacity from the
// settings, else DefaultCapacity; role agent; languages English; auto answer.
func (a Agent) WithDefaults(s Settings) Agent {
	if a.Capacity <= 0 {
		a.Capacity = s.DefaultCapacity
	}
	if a.Capacity <= 0 {
		a.Capacity = DefaultCapacity
	}
	if a.Role == "" {
		a.Role = RoleAgent
	}
	if len(a.Languages) == 0 {
		a.Languages = []string{DefaultLanguage}
	}
	if a.Answer == "" {
		a.Answer = AnswerAuto
	}
	return a
}

// OfferWindow is how long an offer of a chat on this line stands before it passes on.
func (l Line) OfferWindow() time.Duration {
	if l.OfferTimeout > 0 {
		return l.OfferTimeout
	}
	return DefaultOfferTimeout
}
