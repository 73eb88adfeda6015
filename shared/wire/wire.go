// Package wire defines the messages smsdesk's Pub/Sub topics carry: a consumer's text on the
// inbound topic and a stored message to send on the outbound topic. (Chat events are in
// shared/chatevents, bulk batches in shared/outbound.)
package wire

import (
	"time"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/phone"
	"github.com/smsdesk/smsdesk/shared/session"
)

// InboundText is a consumer's text on the inbound topic, as the webhook accepted it.
type InboundText struct {
	MessageSID string          `json:"messageSid"`
	AccountSID string          `json:"accountSid"`
	From       string          `json:"from"`
	To         string          `json:"to"`
	Body       string          `json:"body"`
	Media      []session.Media `json:"media,omitempty"`
	OptOutType string          `json:"optOutType,omitempty"`
	ReceivedAt time.Time       `json:"receivedAt"`
}

// Valid reports whether the text has the ids the webhook checks: a message id that can name
// a document, an E.164 consumer and a business number. Anything else on the topic can never
// be applied, so it is dropped rather than redelivered forever.
func (t InboundText) Valid() bool {
	return carrier.ValidMessageSID(t.MessageSID) && phone.ValidE164(t.From) && phone.ValidBusinessNumber(t.To)
}

// OutboundMessage asks the sender to deliver the transcript entry stored at Path, or, with
// Status, to record a delivery status of it that the status webhook could not record itself.
type OutboundMessage struct {
	Path   string          `json:"path"`
	Status *DeliveryStatus `json:"status,omitempty"`
}

// DeliveryStatus is a carrier's status callback for one message, as the webhook took it.
type DeliveryStatus struct {
	MessageSID string `json:"messageSid"`
	Status     string `json:"status"`
	ErrorCode  int    `json:"errorCode,omitempty"`
}
