package carrier

import (
	"net/url"
	"regexp"
	"strconv"

	"github.com/smsdesk/smsdesk/shared/phone"
)

var callSIDShape = regexp.MustCompile(`^CA[0-9a-f]{32}$`)

// ValidCallSID reports whether s is a call id (CA and 32 hex digits), safe as a document id.
func ValidCallSID(s string) bool { return callSIDShape.MatchString(s) }

// Call is a voice webhook as the carrier sends it (the incoming call, a Gather's action, an
// Enqueue's wait URL or a status callback), checked.
type Call struct {
	CallSID, AccountSID string
	From, To            string
	Status              string // CallStatus
	Digits              string // a Gather's key presses; "" when none
	// QueuePosition and QueueTime (seconds) are set on the wait URL's requests.
	QueuePosition, QueueTime int
	// Duration is CallDuration (seconds) on the status callback of a completed call.
	Duration int
	// DequeuingCallSID is the call that took this one from its queue (an agent's <Dial><Queue>),
	// on the request of the Queue noun's url, made just before the two are bridged.
	DequeuingCallSID string
	// QueueResult is why the call left its queue, on the Enqueue action's request.
	QueueResult string
}

// Queue results the Enqueue action reports (CARRIER.md, and Twilio's redirected and
// bridging-in-process).
var queueResults = map[string]bool{
	"bridged": true, "bridging-in-process": true, "queue-full": true, "redirected": true, "hangup": true,
	"leave": true, "error": true, "system-error": true,
}

// Call statuses the carrier reports (CARRIER.md).
var callStatuses = map[string]bool{
	"queued": true, "ringing": true, "in-progress": true, "completed": true, "busy": true,
	"failed": true, "no-answer": true, "canceled": true,
}

// Ended reports whether the call is over.
func (c Call) Ended() bool {
	switch c.Status {
	case "completed", "busy", "failed", "no-answer", "canceled":
		return true
	}
	return false
}

// ParseCall checks a signed voice webhook form the way ParseInbound checks messages: every
// name once, the carrier's fields present and shaped (CallSid, AccountSid of our account, an
// E.164 From, a business To, a known CallStatus), Digits only digits, * and #, and the queue
// figures whole numbers, a DequeingCallSid a call id and a QueueResult a known one.
func ParseCall(form url.Values, account string) (Call, error) {
	if err := once(form); err != nil {
		return Call{}, err
	}
	for _, k := range []string{"CallSid", "AccountSid", "From", "To", "CallStatus"} {
		if _, ok := form[k]; !ok {
			return Call{}, malformed("%s is missing", k)
		}
	}
	c := Call{CallSID: form.Get("CallSid"), AccountSID: form.Get("AccountSid"), From: form.Get("From"),
		To: form.Get("To"), Status: form.Get("CallStatus"), Digits: form.Get("Digits"),
		DequeuingCallSID: form.Get("DequeingCallSid"), QueueResult: form.Get("QueueResult")}
	if !ValidCallSID(c.CallSID) {
		return Call{}, malformed("CallSid %q is not CA and 32 hex digits", c.CallSID)
	}
	if !ValidAccountSID(c.AccountSID) {
		return Call{}, malformed("AccountSid %q is not AC and 32 hex digits", c.AccountSID)
	}
	if c.AccountSID != account {
		return Call{}, malformed("AccountSid %s is not this deployment's account", c.AccountSID)
	}
	if err := phone.CheckE164(c.From); err != nil {
		return Call{}, malformed("From: %v", err)
	}
	if !phone.ValidBusinessNumber(c.To) {
		return Call{}, malformed("To %q is neither an E.164 number nor a short code", c.To)
	}
	if !callStatuses[c.Status] {
		return Call{}, malformed("CallStatus %q is not a call status", c.Status)
	}
	if _, ok := form["DequeingCallSid"]; ok && !ValidCallSID(c.DequeuingCallSID) {
		return Call{}, malformed("DequeingCallSid %q is not CA and 32 hex digits", c.DequeuingCallSID)
	}
	if _, ok := form["QueueResult"]; ok && !queueResults[c.QueueResult] {
		return Call{}, malformed("QueueResult %q is not a queue result", c.QueueResult)
	}
	if len(c.Digits) > 32 {
		return Call{}, malformed("Digits %q is too long", c.Digits)
	}
	for _, r := range c.Digits {
		if (r < '0' || r > '9') && r != '*' && r != '#' {
			return Call{}, malformed("Digits %q holds more than digits, * and #", c.Digits)
		}
	}
	for k, dst := range map[string]*int{"QueuePosition": &c.QueuePosition, "QueueTime": &c.QueueTime, "CallDuration": &c.Duration} {
		v, ok := form[k]
		if !ok || v[0] == "" {
			continue
		}
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 || strconv.Itoa(n) != v[0] {
			return Call{}, malformed("%s %q is not a whole number", k, v[0])
		}
		*dst = n
	}
	return c, nil
}
