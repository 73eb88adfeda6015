package config

import (
	"fmt"

	"github.com/smsdesk/smsdesk/shared/compliance"
)

// DefaultCapacity is the number of concurrent chats an agent takes when neither the agent nor the
// settings say.
const DefaultCapacity = 3

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
	l.ChatOff, l.Defaults, l.Quiet = s.SMSChatOff, s.Timeouts, q
	return l, nil
}

// WithDefaults returns the agent with what its config leaves out filled in: capacity from the
// settings, else DefaultCapacity; role agent; languages English.
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
	return a
}
