package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/smsdesk/smsdesk/shared/compliance"
	"github.com/smsdesk/smsdesk/shared/config"
)

// Start types of a chat: who opened it. Opt-out wording in a chat the business started
// revokes consent; in one the consumer started it is a question for the agent.
const (
	StartInbound  = "inbound"
	StartOutbound = "outbound"
	// StartDeflection is a chat a caller chose over waiting on the phone: the business texts
	// first, at the caller's request.
	StartDeflection = "deflection"
	// StartWaitSMS is a chat a caller waiting on the phone agreed to, to send details and
	// photos while they wait.
	StartWaitSMS = "wait_sms"
	// StartInCall is a chat the agent on a live call opened to text the caller; it ends with
	// the call.
	StartInCall = "in_call"
)

// ErrNoOptOutFlag reports dismissing a possible opt-out request on a chat that has none.
var ErrNoOptOutFlag = errors.New("chat has no possible opt-out request")

// optOut ends the chat (if any) with reason and opts the consumer out with one confirmation;
// a consumer already opted out gets none.
func (m *machine) optOut(reason string) {
	if s := m.out.Session; s != nil {
		s.OptOutFlag = nil
		if s.State != Ended {
			m.end(reason, "")
		}
	}
	if m.out.Consumer.OptOut(m.in.At, m.source()) {
		m.reply("optout", m.lang(), nil)
	}
}

// source is where an opt-out comes from: the consumer's text (or the agent acting on one).
func (m *machine) source() string {
	if m.in.MessageSID != "" {
		return "sms:" + m.in.MessageSID
	}
	return m.in.Body
}

// flag marks the chat and the consumer with a possible opt-out request for the agent to
// resolve, and tells the consumer, once per chat, which keyword opts out.
func (m *machine) flag(wording string) {
	s := m.out.Session
	m.add(Entry{Author: FromSystem, Kind: "event", Body: fmt.Sprintf("possible opt-out request (%q): opt the consumer out or dismiss", wording)})
	if s.OptOutFlag == nil {
		s.OptOutFlag = &OptOutFlag{Wording: wording, MessageSID: m.in.MessageSID, SessionID: s.ID, At: m.in.At}
		m.out.Flagged = true
		m.reply("optouthint", m.lang(), nil)
	}
	m.out.Consumer.OptOutFlag = s.OptOutFlag
}

// carrierAnswers reports whether the carrier itself answered the text with the system message
// kind, so ours is recorded as sent by the carrier rather than sent: when the carrier says so
// (its OptOutType), or for opt-out and opt-in keywords on numbers where the carrier confirms
// them (a send after its opt-out could only be refused with 21610).
func (m *machine) carrierAnswers(kind string) bool {
	switch kind {
	case "optout", "optin", "help":
	default:
		return false
	}
	if m.in.CarrierKeyword != "" {
		return true
	}
	k := compliance.CarrierKeyword(m.in.Body)
	return m.line.CarrierConfirmsOptOut() && (k == compliance.OptOut && kind == "optout" || k == compliance.OptIn && kind == "optin")
}

// ResolveOptOut is an agent's answer to a possible opt-out request in chat s (also after it
// ended): optOut opts the consumer out at once (with one confirmation, and ending the chat if
// it goes on), else the request is dismissed as ordinary chat text. Opting out needs no flag,
// as an agent may recognise a request the wording rules missed.
func ResolveOptOut(line config.Line, c Consumer, s Session, agentID string, optOut bool, now time.Time) (Outcome, error) {
	if !optOut && s.OptOutFlag == nil {
		return Outcome{}, fmt.Errorf("chat %s: %w", s.ID, ErrNoOptOutFlag)
	}
	in := Inbound{Business: s.Business, Phone: s.Phone, At: now, Body: "agent " + agentID + " in chat " + s.ID}
	if f := s.OptOutFlag; f != nil && f.MessageSID != "" {
		in.MessageSID = f.MessageSID
	}
	m := machine{line: line, in: in, out: Outcome{Consumer: c, Session: &s}}
	if !optOut {
		m.add(Entry{Author: FromSystem, Kind: "event", Body: fmt.Sprintf("possible opt-out request (%q) dismissed by %s", s.OptOutFlag.Wording, agentID)})
		s.OptOutFlag = nil
		if f := m.out.Consumer.OptOutFlag; f != nil && f.SessionID == s.ID {
			m.out.Consumer.OptOutFlag = nil
		}
		return m.out, nil
	}
	m.add(Entry{Author: FromSystem, Kind: "event", Body: "opted out by " + agentID})
	m.optOut(EndOptOutAgent)
	m.out.Timers = Plan(line, m.out.Session) // an ended chat has no deadlines left
	if src := m.out.Consumer.OptOutSource; m.in.MessageSID != "" && src == "sms:"+m.in.MessageSID {
		m.out.Consumer.OptOutSource = src + " (confirmed by agent " + agentID + ")"
	}
	return m.out, nil
}
