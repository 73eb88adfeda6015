package carriersim

import (
	"sort"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/compliance"
)

// Keyword lists of Twilio's default opt-out handling. Only a whole message
// (trimmed, any case) matches.
var (
	OptOutKeywords = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
	OptInKeywords  = []string{"START", "YES", "UNSTOP"}
	HelpKeywords   = []string{"HELP", "INFO"}
)

// CarrierReplies are the carrier's standard answers to the keywords it handles.
var CarrierReplies = map[string]string{
	"STOP":  "You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.",
	"START": "You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
	"HELP":  "Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
}

// KeywordType returns "STOP", "START", "HELP" or "" for a message body.
func KeywordType(body string) string {
	w := strings.ToUpper(strings.TrimSpace(body))
	for _, set := range []struct {
		kind string
		list []string
	}{{"STOP", OptOutKeywords}, {"START", OptInKeywords}, {"HELP", HelpKeywords}} {
		for _, k := range set.list {
			if w == k {
				return set.kind
			}
		}
	}
	return ""
}

// HandledKeyword is the keyword the carrier itself acts on (sets OptOutType
// and answers) for a message to business: on long codes STOP, START and HELP;
// toll-free numbers handle STOP and START in the network; short codes get no
// keyword handling at all, so the business must do it.
func HandledKeyword(business, body string) string {
	kind := KeywordType(body)
	switch compliance.KindOf(business) {
	case compliance.ShortCode:
		return ""
	case compliance.TollFree:
		if kind == "HELP" {
			return ""
		}
	}
	return kind
}

// answerKeywordLocked applies a keyword the carrier handles to the opt-out
// state and puts the carrier's standard reply in the consumer's inbox. s.mu
// must be held.
func (s *Sim) answerKeywordLocked(kind, business, consumer string) {
	if kind == "" {
		return
	}
	switch kind {
	case "STOP":
		s.optOuts[pair{business, consumer}] = true
	case "START":
		delete(s.optOuts, pair{business, consumer})
	}
	now := time.Now().UTC()
	s.replies = append(s.replies, &Message{
		SID: newSID("SM"), AccountSID: s.opts.AccountSID, From: business, To: consumer, Body: CarrierReplies[kind],
		Status: "delivered", ByCarrier: true, NumSegments: compliance.Segments(CarrierReplies[kind]), Created: now, Updated: now,
	})
	s.broadcastLocked()
}

// CarrierSent returns copies of the replies the carrier sent itself to
// keywords, in order.
func (s *Sim) CarrierSent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.replies))
	for i, m := range s.replies {
		out[i] = m.clone()
	}
	return out
}

// Inbox is everything a consumer's phone received: the business's messages
// and the carrier's own keyword replies, in the order they were sent.
func (s *Sim) Inbox(consumer string) []Message {
	var out []Message
	for _, m := range append(s.Sent(), s.CarrierSent()...) {
		if m.To == consumer {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}
