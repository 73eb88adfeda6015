package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/followup"
)

const subEvents = "events"

// Agent event types.
const (
	EventAssigned         = "chat_assigned"
	EventTransferReceived = "transfer_received"
	EventTransferFailed   = "transfer_failed"
	EventReplyDue         = "reply_due"                // the consumer has waited too long for the agent
	EventPossibleOptOut   = "possible_optout"          // the consumer's text may ask to stop texts
	EventOffer            = followup.NoticeOffer       // a chat is offered until the deadline
	EventOfferMissed      = followup.NoticeOfferMissed // an offer lapsed; the chat went on
)

// AgentEvent is a notice in an agent's feed: a new chat, a transfer received or failed.
type AgentEvent struct {
	Type      string    `firestore:"type" json:"type"`
	SessionID string    `firestore:"sessionId" json:"chatId"`
	Queue     string    `firestore:"queue,omitempty" json:"queue,omitempty"`
	From      string    `firestore:"from,omitempty" json:"from,omitempty"`
	Note      string    `firestore:"note,omitempty" json:"note,omitempty"`
	Reason    string    `firestore:"reason,omitempty" json:"reason,omitempty"`
	At        time.Time `firestore:"at" json:"at"`
	// Deadline is when an offer lapses (EventOffer).
	Deadline time.Time `firestore:"deadline,omitempty" json:"deadline,omitzero"`
}

// AddAgentEvent appends a notice to an agent's feed.
func (s *Store) AddAgentEvent(ctx context.Context, agentID string, e AgentEvent) error {
	if err := checkID("agent", agentID); err != nil {
		return err
	}
	if _, err := s.agentRef(agentID).Collection(subEvents).NewDoc().Create(ctx, e); err != nil {
		return fmt.Errorf("add event for %s: %w", agentID, err)
	}
	return nil
}

// AgentEvents lists an agent's notices after a time, oldest first.
func (s *Store) AgentEvents(ctx context.Context, agentID string, after time.Time, limit int) ([]AgentEvent, error) {
	if err := checkID("agent", agentID); err != nil {
		return nil, err
	}
	docs, err := s.agentRef(agentID).Collection(subEvents).Where("at", ">", after).OrderBy("at", firestore.Asc).Limit(limit).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", agentID, err)
	}
	out := make([]AgentEvent, 0, len(docs))
	for _, d := range docs {
		var e AgentEvent
		if err := d.DataTo(&e); err != nil {
			return nil, fmt.Errorf("decode event %s: %w", d.Ref.ID, err)
		}
		out = append(out, e)
	}
	return out, nil
}
