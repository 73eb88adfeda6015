// Package inbound is the carrier's webhook for consumer texts: it checks the signature,
// accepts each MessageSid once, publishes the text and answers fast with empty TwiML.
package inbound

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Receipts remembers which MessageSids were accepted.
type Receipts interface {
	ClaimInbound(ctx context.Context, messageSID string, now time.Time) (bool, error)
	ReleaseInbound(ctx context.Context, messageSID string) error
}

// Numbers tells the business's own numbers.
type Numbers interface {
	BusinessNumber(ctx context.Context, number string) (bool, error)
}

// Publisher puts the text on the inbound topic.
type Publisher interface {
	Publish(ctx context.Context, topic, orderingKey string, v any) error
}

// Handler serves the webhook.
type Handler struct {
	Receipts  Receipts
	Publisher Publisher
	Numbers   Numbers
	Validator carrier.Validator
	Account   string // our AccountSid: webhooks of any other account are refused
	PublicURL string // the exact URL configured at the carrier, which it signs
	Topic     string
	Log       *slog.Logger
}

const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if code, why := h.Validator.ReadSignedForm(w, r, h.PublicURL); code != 0 {
		if code == http.StatusForbidden {
			h.Log.Warn("inbound webhook refused", "remote", r.RemoteAddr, "why", why)
		}
		http.Error(w, why, code)
		return
	}
	m, err := carrier.ParseInbound(r.PostForm, h.Account)
	if err != nil {
		// The input is unchecked: it is quoted, never logged or stored as it is.
		h.Log.Warn("inbound webhook malformed", "remote", r.RemoteAddr, "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ours, err := h.Numbers.BusinessNumber(r.Context(), m.To)
	if err != nil {
		h.Log.Error("business numbers not read", "messageSid", m.MessageSID, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if !ours {
		h.Log.Warn("inbound webhook for a number that is not the business's", "messageSid", m.MessageSID, "business", m.To)
		http.Error(w, "To "+m.To+" is not one of this business's numbers", http.StatusBadRequest)
		return
	}
	t := inboundText(m, time.Now().UTC())
	log := h.Log.With("messageSid", t.MessageSID, "business", t.To)
	fresh, err := h.Receipts.ClaimInbound(r.Context(), t.MessageSID, t.ReceivedAt)
	if err != nil {
		log.Error("inbound not recorded", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if fresh {
		if err := h.Publisher.Publish(r.Context(), h.Topic, session.ConsumerID(t.To, t.From), t); err != nil {
			log.Error("inbound not published", "err", err)
			// Forget the receipt so the carrier's retry is processed rather than dropped.
			if rerr := h.Receipts.ReleaseInbound(context.WithoutCancel(r.Context()), t.MessageSID); rerr != nil {
				log.Error("inbound receipt not released", "err", rerr)
			}
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
	} else {
		log.Info("duplicate inbound webhook ignored")
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(emptyTwiML))
}

// inboundText is what the conversation needs of a checked message.
func inboundText(m carrier.InboundMessage, at time.Time) bus.InboundText {
	t := bus.InboundText{
		MessageSID: m.MessageSID, AccountSID: m.AccountSID, From: m.From, To: m.To, Body: m.Body,
		OptOutType: m.OptOutType, ReceivedAt: at,
	}
	for _, md := range m.Media {
		t.Media = append(t.Media, session.Media{URL: md.URL, ContentType: md.ContentType})
	}
	return t
}
