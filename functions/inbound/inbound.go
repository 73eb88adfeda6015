// Package inbound is the carrier's webhook for consumer texts: it checks the signature and the
// message's shape, makes the text durable (shared/ingest) and answers with empty TwiML well
// within the carrier's deadline. The same handler serves the carrier's fallback URL.
package inbound

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/ingest"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/wire"
)

// Texts accepts a checked text durably.
type Texts interface {
	Accept(ctx context.Context, t wire.InboundText) error
}

// Handler serves the webhook.
type Handler struct {
	Texts     Texts
	Validator carrier.Validator
	Account   string // our AccountSid: webhooks of any other account are refused
	PublicURL string // the exact URL configured at the carrier, which it signs
	Log       *slog.Logger
}

const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.Validator.AcceptSigned(w, r, h.PublicURL, h.Log, "inbound webhook") {
		return
	}
	m, err := carrier.ParseInbound(r.PostForm, h.Account)
	if err != nil {
		// The input is unchecked: it is quoted, never logged or stored as it is.
		h.Log.Warn("inbound webhook malformed", "remote", r.RemoteAddr, "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	t := inboundText(m, time.Now().UTC())
	err = h.Texts.Accept(r.Context(), t)
	switch {
	case errors.Is(err, ingest.ErrNotOurs):
		h.Log.Warn("inbound webhook for a number that is not the business's", "messageSid", t.MessageSID, "business", t.To)
		http.Error(w, "To "+t.To+" is not one of this business's numbers", http.StatusBadRequest)
		return
	case err != nil:
		// Not acknowledged: the carrier calls the fallback URL.
		h.Log.Error("inbound not accepted", "url", h.PublicURL, "messageSid", t.MessageSID, "business", t.To, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(emptyTwiML))
}

// inboundText is what the conversation needs of a checked message.
func inboundText(m carrier.InboundMessage, at time.Time) wire.InboundText {
	t := wire.InboundText{
		MessageSID: m.MessageSID, AccountSID: m.AccountSID, From: m.From, To: m.To, Body: m.Body,
		OptOutType: m.OptOutType, ReceivedAt: at,
	}
	for _, md := range m.Media {
		t.Media = append(t.Media, session.Media{URL: md.URL, ContentType: md.ContentType})
	}
	return t
}
