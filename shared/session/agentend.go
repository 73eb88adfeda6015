package session

import (
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

// EndByAgent is agent agentID ending chat s, which they hold, at now: the consumer is told
// (the "ended" message), the chat ends with EndAgent, the agent's capacity is freed and the
// consumer's chat in progress is over. Acting on a chat the agent does not hold is
// ErrNotHeld, on their chat once ended ErrEnded.
func EndByAgent(line config.Line, c Consumer, s Session, agentID string, now time.Time) (Outcome, error) {
	if err := s.ActableBy(agentID); err != nil {
		return Outcome{}, err
	}
	m := machine{line: line, in: Inbound{Business: s.Business, Phone: s.Phone, At: now}, out: Outcome{Consumer: c, Session: &s}}
	m.end(EndAgent, "ended")
	if c.ActiveSession != s.ID {
		m.out.Consumer.ActiveSession = c.ActiveSession // the consumer's chat in progress is another one
	}
	m.out.Timers = Plan(line, m.out.Session) // an ended chat has no deadlines left
	return m.out, nil
}
