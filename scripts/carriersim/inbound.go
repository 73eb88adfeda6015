package carriersim

import (
	"context"
	"errors"
	"fmt"
	"github.com/smsdesk/smsdesk/shared/compliance"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Inbound is a message a consumer texts to a business number.
type Inbound struct {
	From, To, Body string
	Media          []Media
	// MessageSID is optional: reuse one to simulate a carrier retry.
	MessageSID string
	// MessagingServiceSID is optional; sent when the number belongs to one.
	MessagingServiceSID string
}

// Media is one MMS attachment.
type Media struct {
	ContentType string
	Data        []byte
}

// InboundResult is what the webhook handler answered.
type InboundResult struct {
	MessageSID   string
	StatusCode   int // the webhook's answer; 0 when it gave none
	ResponseBody string
	// FallbackStatusCode is the fallback URL's answer when it was called, else 0.
	FallbackStatusCode int
}

// OptedOut reports whether consumer has opted out of business's messages.
func (s *Sim) OptedOut(business, consumer string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.optOuts[pair{business, consumer}]
}

// SetOptedOut marks or clears an opt-out directly, as if the consumer had
// texted STOP or START to business.
func (s *Sim) SetOptedOut(business, consumer string, out bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if out {
		s.optOuts[pair{business, consumer}] = true
	} else {
		delete(s.optOuts, pair{business, consumer})
	}
}

// WebhookFor returns the URL inbound messages to the business number go to.
func (s *Sim) WebhookFor(business string) string {
	if u, ok := s.opts.NumberWebhooks[business]; ok && u != "" {
		return u
	}
	return s.opts.WebhookURL
}

// SendInbound delivers a consumer's message like the carrier does: it
// applies and answers the keywords the carrier handles on the number's kind
// (see HandledKeyword), stores the media, then builds, signs and POSTs the
// inbound-message webhook and returns what the handler answered.
func (s *Sim) SendInbound(ctx context.Context, in Inbound) (InboundResult, error) {
	switch {
	case !IsE164(in.From):
		return InboundResult{}, fmt.Errorf("carriersim: From %q is not E.164", in.From)
	case !IsE164(in.To) && !shortCodeRe.MatchString(in.To):
		return InboundResult{}, fmt.Errorf("carriersim: To %q is not E.164 or a short code", in.To)
	case len(in.Media) > MaxMedia:
		return InboundResult{}, fmt.Errorf("carriersim: %d media, at most %d", len(in.Media), MaxMedia)
	}
	target := s.WebhookFor(in.To)
	if target == "" {
		return InboundResult{}, errors.New("carriersim: no webhook URL for " + in.To)
	}
	sid := in.MessageSID
	if sid == "" {
		sid = newSID("SM")
	}
	v := url.Values{
		"MessageSid":    {sid},
		"SmsMessageSid": {sid},
		"SmsSid":        {sid},
		"AccountSid":    {s.opts.AccountSID},
		"From":          {in.From},
		"To":            {in.To},
		"Body":          {in.Body},
		"NumMedia":      {strconv.Itoa(len(in.Media))},
		"NumSegments":   {strconv.Itoa(compliance.Segments(in.Body))},
		"SmsStatus":     {"received"},
		"ApiVersion":    {APIVersion},
	}
	if in.MessagingServiceSID != "" {
		v.Set("MessagingServiceSid", in.MessagingServiceSID)
	}
	addGeo(v, "From", in.From)
	addGeo(v, "To", in.To)

	kind := HandledKeyword(in.To, in.Body)
	if kind != "" {
		v.Set("OptOutType", kind)
	}
	s.mu.Lock()
	s.answerKeywordLocked(kind, in.To, in.From)
	for i, md := range in.Media {
		u := s.storeMediaLocked(sid, md)
		v.Set(fmt.Sprintf("MediaUrl%d", i), u)
		v.Set(fmt.Sprintf("MediaContentType%d", i), md.ContentType)
	}
	s.mu.Unlock()

	start := time.Now()
	status, body, err := s.postSigned(ctx, target, v)
	res := InboundResult{MessageSID: sid, StatusCode: status, ResponseBody: body}
	if (err != nil || status/100 != 2) && s.opts.FallbackURL != "" && ctx.Err() == nil {
		s.log.Warn("carriersim inbound webhook failed; calling the fallback URL", "url", target, "sid", sid, "answer", status, "err", err)
		fv := url.Values{}
		for k, vs := range v {
			fv[k] = vs
		}
		fv.Set("ErrorCode", "11200") // HTTP retrieval failure
		fv.Set("ErrorUrl", target)
		fstatus, fbody, ferr := s.postSigned(ctx, s.opts.FallbackURL, fv)
		res.FallbackStatusCode, res.ResponseBody = fstatus, fbody
		if ferr != nil {
			return res, fmt.Errorf("carriersim: inbound webhook %s (%v) and fallback %s: %w", target, err, s.opts.FallbackURL, ferr)
		}
		return res, nil
	}
	if err != nil {
		s.log.Warn("carriersim inbound webhook failed", "url", target, "sid", sid, "err", err)
		return res, fmt.Errorf("carriersim: inbound webhook %s: %w", target, err)
	}
	s.log.Info("carriersim inbound", "sid", sid, "from", in.From, "to", in.To,
		"optOutType", kind, "media", len(in.Media), "answer", status, "dur", time.Since(start))
	return res, nil
}

// addGeo adds the carrier's number-lookup fields (City, State, Zip, Country)
// for one side ("From" or "To") of a message.
func addGeo(v url.Values, side, number string) {
	country, state, city, zip := "", "", "", ""
	switch {
	case strings.HasPrefix(number, "+1"):
		country, state, city, zip = "US", "CA", "SAN FRANCISCO", "94105"
	case strings.HasPrefix(number, "+44"):
		country = "GB"
	case shortCodeRe.MatchString(number):
		country = "US"
	}
	v.Set(side+"Country", country)
	v.Set(side+"State", state)
	v.Set(side+"City", city)
	v.Set(side+"Zip", zip)
}
