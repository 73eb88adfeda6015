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

// EndCallEnded is the end reason of a chat tied to a call that ended.
const EndCallEnded = "the call ended"

// TiedToCall reports whether the chat lives with a call: a wait-time or in-call chat, which
// ends with the call. A deflected caller's chat outlives the call it came from.
func (s Session) TiedToCall() bool { return s.StartType == StartWaitSMS || s.StartType == StartInCall }

// EndWithCall ends chat s, tied to a call, when the call ends at now: the consumer is told
// (the "ended" message) and the agent's capacity is freed. An ended chat, or one not tied to
// a call, is ErrEnded: nothing changes.
func EndWithCall(line config.Line, c Consumer, s Session, now time.Time) (Outcome, error) {
	if s.State == Ended || !s.TiedToCall() {
		return Outcome{}, ErrEnded
	}
	m := machine{line: line, in: Inbound{Business: s.Business, Phone: s.Phone, At: now}, out: Outcome{Consumer: c, Session: &s}}
	m.end(EndCallEnded, "ended")
	if c.ActiveSession != s.ID {
		m.out.Consumer.ActiveSession = c.ActiveSession
	}
	m.out.Timers = Plan(line, m.out.Session)
	return m.out, nil
}
