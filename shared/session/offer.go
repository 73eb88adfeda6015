package session

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Start types of a chat once an agent connects: a consumer's chat stays StartInbound until
// then, and becomes the way the agent answered it; a chat the business opened stays
// StartOutbound.
const (
	StartAutoAnswer   = "auto_answer"   // the agent was given it (auto answer)
	StartManualAnswer = "manual_answer" // the agent accepted it when offered (manual answer)
)

// Chat types for reports: SMS chats the consumer started and outbound SMS chats.
const (
	TypeSMS         = "sms"
	TypeOutboundSMS = "outbound_sms"
)

// Outbound reports whether the business opened the chat.
func (s Session) Outbound() bool { return s.StartType == StartOutbound }

// Type is the chat's type for reports: TypeOutboundSMS for chats the business opened, else
// TypeSMS.
func (s Session) Type() string {
	if s.Outbound() {
		return TypeOutboundSMS
	}
	return TypeSMS
}

// connected records how an agent came to the chat: the first connection names a consumer's
// chat's start type; a business's chat stays outbound.
func (s *Session) connected(startType string) {
	if s.StartType == StartInbound || s.StartType == "" {
		s.StartType = startType
	}
}

// Offer is a waiting chat offered to a manual-answer agent until Deadline.
type Offer struct {
	AgentID  string    `firestore:"agentId"`
	At       time.Time `firestore:"at"`
	Deadline time.Time `firestore:"deadline"`
}

// Reasons an offer was missed.
const (
	MissTimeout  = "timeout"  // the deadline passed
	MissDeclined = "declined" // the agent declined it
)

// MissedOffer records an offer its agent did not accept, for reports (missed offers per agent).
type MissedOffer struct {
	AgentID   string    `firestore:"agentId"`
	SessionID string    `firestore:"sessionId"`
	QueueID   string    `firestore:"queueId"`
	At        time.Time `firestore:"at"` // when it was missed
	Reason    string    `firestore:"reason"`
	// OfferedAt names the offer, so that a miss recorded twice (a redelivered timer) is one.
	OfferedAt time.Time `firestore:"-"`
}

// ID names the record after its chat, agent and offer: one per offer.
func (m MissedOffer) ID() string {
	return fmt.Sprintf("%s_%s_%d", m.SessionID, m.AgentID, m.OfferedAt.UnixMicro())
}

// Errors of answering an offer.
var (
	ErrNotOffered   = errors.New("the chat is not offered to you")
	ErrOfferExpired = errors.New("the offer expired")
)

// OfferTo offers waiting chat s to agentID at now, for window: the chat keeps waiting in its
// queue, and its offer deadline is one of its deadlines (Plan), so a lost timer is swept.
func (s *Session) OfferTo(agentID string, now time.Time, window time.Duration) {
	s.Offer = &Offer{AgentID: agentID, At: now, Deadline: now.Add(window)}
}

// OfferedTo reports whether chat s waits for agentID to accept it.
func (s Session) OfferedTo(agentID string) bool {
	return s.State == Queued && s.Offer != nil && agentID != "" && s.Offer.AgentID == agentID
}

// Missed reports whether agentID missed an offer of chat s: they are not offered it again.
func (s Session) Missed(agentID string) bool { return slices.Contains(s.MissedBy, agentID) }

// answerable checks that agentID may still answer the offer of s at now: the offer is theirs
// and its deadline has not passed. A late answer is ErrOfferExpired, as is one after the
// timer recorded the miss.
func (s Session) answerable(agentID string, now time.Time) error {
	switch {
	case s.OfferedTo(agentID) && now.Before(s.Offer.Deadline):
		return nil
	case s.OfferedTo(agentID) || s.Missed(agentID):
		return fmt.Errorf("chat %s: %w", s.ID, ErrOfferExpired)
	}
	return fmt.Errorf("chat %s: %w", s.ID, ErrNotOffered)
}

// AcceptOffer is agentID accepting the offer of chat s at now, before its deadline: the chat
// is theirs (the caller adds what an assignment writes), with start type manual answer.
func (s *Session) AcceptOffer(agentID string, now time.Time) error {
	if err := s.answerable(agentID, now); err != nil {
		return err
	}
	s.Offer = nil
	s.State, s.AgentID, s.AssignedAt = Assigned, agentID, now
	s.Hold(agentID)
	s.connected(StartManualAnswer)
	s.answered(agentID, now)
	return nil
}

// DeclineOffer is agentID declining the offer of chat s at now, before its deadline: the
// miss is recorded and the chat waits for the next agent.
func (s *Session) DeclineOffer(agentID string, now time.Time) (MissedOffer, error) {
	if err := s.answerable(agentID, now); err != nil {
		return MissedOffer{}, err
	}
	return s.missOffer(MissDeclined, now), nil
}

// missOffer ends the offer of s as missed for reason at now: its agent is not offered the
// chat again.
func (s *Session) missOffer(reason string, now time.Time) MissedOffer {
	o := s.Offer
	s.Offer = nil
	if !s.Missed(o.AgentID) {
		s.MissedBy = append(s.MissedBy, o.AgentID)
	}
	return MissedOffer{AgentID: o.AgentID, SessionID: s.ID, QueueID: s.QueueID, At: now, Reason: reason, OfferedAt: o.At}
}

// withdrawOffer takes back the offer of s (the chat ended or moved to another queue) and
// returns the agent whose offer slot it frees, "" when there was none.
func (s *Session) withdrawOffer() string {
	if s.Offer == nil {
		return ""
	}
	a := s.Offer.AgentID
	s.Offer = nil
	return a
}
