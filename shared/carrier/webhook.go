package carrier

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/smsdesk/smsdesk/shared/phone"
)

// Shapes of the carrier's ids: two letters and 32 lowercase hex digits.
var (
	messageSIDShape = regexp.MustCompile(`^(SM|MM)[0-9a-f]{32}$`)
	accountSIDShape = regexp.MustCompile(`^AC[0-9a-f]{32}$`)
	serviceSIDShape = regexp.MustCompile(`^MG[0-9a-f]{32}$`)
)

// ValidMessageSID reports whether s is a message id as the carrier makes them (SM or MM and
// 32 hex digits), safe to use as a document id.
func ValidMessageSID(s string) bool { return messageSIDShape.MatchString(s) }

// ValidAccountSID reports whether s is an account id (AC and 32 hex digits).
func ValidAccountSID(s string) bool { return accountSIDShape.MatchString(s) }

// ShapeError says why a signed webhook is not one the carrier would send. A webhook with it
// is refused with 400: the signature covers only the concatenation of names and values, so a
// re-split of a genuine webhook (a field moved into the previous value) still verifies, and
// only the shape of every field tells it apart.
type ShapeError struct{ Why string }

func (e *ShapeError) Error() string { return "malformed webhook: " + e.Why }

// malformed quotes the webhook's values it names (with %q), cut short: they are unchecked
// and may be long.
func malformed(format string, a ...any) error {
	for i, v := range a {
		if s, ok := v.(string); ok && len(s) > 48 {
			a[i] = s[:48] + "..."
		}
	}
	return &ShapeError{Why: fmt.Sprintf(format, a...)}
}

// InboundMessage is a consumer's text as the carrier's webhook reports it, checked.
type InboundMessage struct {
	MessageSID, AccountSID string
	From, To, Body         string
	OptOutType             string // STOP, START or HELP when the carrier handled a keyword
	Media                  []InboundMedia
}

// InboundMedia is one MMS attachment at the carrier.
type InboundMedia struct{ URL, ContentType string }

// Fields the carrier sends with every inbound message (CARRIER.md); any one missing means the
// form was not built by the carrier.
var inboundRequired = []string{"MessageSid", "AccountSid", "From", "To", "Body", "NumMedia"}

// ParseInbound checks a signed inbound-message webhook form and returns the message. account
// is our AccountSid: a webhook of another account is refused. Every field the carrier defines
// must have its shape (ids, E.164 From, E.164 or short code To, media counts), each name may
// appear once, and fields the carrier adds without notice are let through unread.
func ParseInbound(form url.Values, account string) (InboundMessage, error) {
	if err := once(form); err != nil {
		return InboundMessage{}, err
	}
	for _, k := range inboundRequired {
		if _, ok := form[k]; !ok {
			return InboundMessage{}, malformed("%s is missing", k)
		}
	}
	m := InboundMessage{
		MessageSID: form.Get("MessageSid"), AccountSID: form.Get("AccountSid"),
		From: form.Get("From"), To: form.Get("To"), Body: form.Get("Body"), OptOutType: form.Get("OptOutType"),
	}
	if err := checkIDs(form, m.MessageSID, m.AccountSID, account); err != nil {
		return InboundMessage{}, err
	}
	if err := phone.CheckE164(m.From); err != nil {
		return InboundMessage{}, malformed("From: %v", err)
	}
	if !phone.ValidBusinessNumber(m.To) {
		return InboundMessage{}, malformed("To %q is neither an E.164 number nor a short code", m.To)
	}
	switch m.OptOutType {
	case "", "STOP", "START", "HELP":
	default:
		return InboundMessage{}, malformed("OptOutType %q is not STOP, START or HELP", m.OptOutType)
	}
	if v, ok := form["SmsStatus"]; ok && v[0] != "received" {
		return InboundMessage{}, malformed("SmsStatus %q is not received", v[0])
	}
	if v, ok := form["NumSegments"]; ok {
		if n, err := strconv.Atoi(v[0]); err != nil || n < 1 || strconv.Itoa(n) != v[0] {
			return InboundMessage{}, malformed("NumSegments %q is not a positive number", v[0])
		}
	}
	media, err := inboundMedia(form)
	if err != nil {
		return InboundMessage{}, err
	}
	m.Media = media
	return m, nil
}

// inboundMedia reads NumMedia and exactly that many MediaUrlN/MediaContentTypeN pairs.
func inboundMedia(form url.Values) ([]InboundMedia, error) {
	v := form.Get("NumMedia")
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 10 || strconv.Itoa(n) != v {
		return nil, malformed("NumMedia %q is not a number from 0 to 10", v)
	}
	var media []InboundMedia
	for i := range 10 {
		u, hasURL := form["MediaUrl"+strconv.Itoa(i)]
		ct, hasType := form["MediaContentType"+strconv.Itoa(i)]
		if i >= n {
			if hasURL || hasType {
				return nil, malformed("MediaUrl%d or MediaContentType%d present with NumMedia=%d", i, i, n)
			}
			continue
		}
		if !hasURL || !hasType {
			return nil, malformed("MediaUrl%d and MediaContentType%d are required with NumMedia=%d", i, i, n)
		}
		p, err := url.Parse(u[0])
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return nil, malformed("MediaUrl%d %q is not an absolute URL", i, u[0])
		}
		if !strings.Contains(ct[0], "/") {
			return nil, malformed("MediaContentType%d %q is not a media type", i, ct[0])
		}
		media = append(media, InboundMedia{URL: u[0], ContentType: ct[0]})
	}
	return media, nil
}

// StatusCallback is a delivery status the carrier reports for one of our messages, checked.
type StatusCallback struct {
	MessageSID, Status string
	ErrorCode          int
}

// Statuses the carrier reports (CARRIER.md).
var callbackStatuses = map[string]bool{
	"queued": true, "sending": true, "sent": true, "delivered": true, "undelivered": true,
	"failed": true, "accepted": true, "scheduled": true, "read": true, "canceled": true,
}

// ParseStatus checks a signed status callback form the way ParseInbound checks messages.
func ParseStatus(form url.Values, account string) (StatusCallback, error) {
	if err := once(form); err != nil {
		return StatusCallback{}, err
	}
	for _, k := range []string{"MessageSid", "AccountSid", "MessageStatus"} {
		if _, ok := form[k]; !ok {
			return StatusCallback{}, malformed("%s is missing", k)
		}
	}
	s := StatusCallback{MessageSID: form.Get("MessageSid"), Status: form.Get("MessageStatus")}
	if err := checkIDs(form, s.MessageSID, form.Get("AccountSid"), account); err != nil {
		return StatusCallback{}, err
	}
	if !callbackStatuses[s.Status] {
		return StatusCallback{}, malformed("MessageStatus %q is not a delivery status", s.Status)
	}
	if v := form.Get("ErrorCode"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || strconv.Itoa(n) != v {
			return StatusCallback{}, malformed("ErrorCode %q is not a number", v)
		}
		s.ErrorCode = n
	}
	return s, nil
}

// once refuses a form with a name given twice: the signature covers only the first value.
func once(form url.Values) error {
	for k, vs := range form {
		if len(vs) != 1 {
			return malformed("%s appears %d times", k, len(vs))
		}
	}
	return nil
}

// checkIDs checks the message and account ids, and that the carrier's copies of the message
// id (SmsSid, SmsMessageSid) agree with it.
func checkIDs(form url.Values, sid, accountSID, account string) error {
	if !ValidMessageSID(sid) {
		return malformed("MessageSid %q is not SM or MM and 32 hex digits", sid)
	}
	for _, k := range []string{"SmsSid", "SmsMessageSid"} {
		if v, ok := form[k]; ok && v[0] != sid {
			return malformed("%s %q differs from MessageSid %q", k, v[0], sid)
		}
	}
	if !ValidAccountSID(accountSID) {
		return malformed("AccountSid %q is not AC and 32 hex digits", accountSID)
	}
	if accountSID != account {
		return malformed("AccountSid %s is not this deployment's account", accountSID)
	}
	if v, ok := form["MessagingServiceSid"]; ok && v[0] != "" && !serviceSIDShape.MatchString(v[0]) {
		return malformed("MessagingServiceSid %q is not MG and 32 hex digits", v[0])
	}
	return nil
}
