// Package inbound is the carrier's webhook for consumer texts: it checks the signature,
// accepts each MessageSid once, publishes the text and answers fast with empty TwiML.
package inbound

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
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

// Publisher puts the text on the inbound topic.
type Publisher interface {
	Publish(ctx context.Context, topic, orderingKey string, v any) error
}

// Handler serves the webhook.
type Handler struct {
	Receipts  Receipts
	Publisher Publisher
	Validator carrier.Validator
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
	t, err := decode(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
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

type badRequest string

func (b badRequest) Error() string { return string(b) }

func decode(r *http.Request) (bus.InboundText, error) {
	f := r.PostForm
	t := bus.InboundText{
		MessageSID: f.Get("MessageSid"), AccountSID: f.Get("AccountSid"),
		From: f.Get("From"), To: f.Get("To"), Body: f.Get("Body"),
		OptOutType: f.Get("OptOutType"), ReceivedAt: time.Now().UTC(),
	}
	if t.MessageSID == "" || t.From == "" || t.To == "" {
		return t, badRequest("MessageSid, From and To are required")
	}
	n := 0
	if v := f.Get("NumMedia"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 || n > 10 {
			return t, badRequest("NumMedia must be a number from 0 to 10")
		}
	}
	for i := 0; i < n; i++ {
		u := f.Get("MediaUrl" + strconv.Itoa(i))
		if u == "" {
			return t, badRequest("MediaUrl" + strconv.Itoa(i) + " is missing for NumMedia=" + strconv.Itoa(n))
		}
		t.Media = append(t.Media, session.Media{URL: u, ContentType: f.Get("MediaContentType" + strconv.Itoa(i))})
	}
	return t, nil
}
