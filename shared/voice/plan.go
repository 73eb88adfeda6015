package voice

import (
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ewt"
)

// Step is what a call does next.
type Step int

// Steps of a call on arrival.
const (
	// Wait: the call joins the carrier's voice queue.
	Wait Step = iota + 1
	// Offer: the caller is offered to continue by text ("press 1").
	Offer
	// Deflect: the call moves to text without asking (the queue forces it).
	Deflect
	// Refuse: the call is rejected (blocked number, or a number without voice).
	Refuse
)

// Caller is what is known of the caller when their call arrives.
type Caller struct {
	Blocked  bool // on the business's blocked list
	OptedOut bool // opted out of texts: nothing may be texted, so no text is offered
}

// Plan decides a call's first step on number line. The estimate is of the voice queue's SMS
// queue. Texting needs a caller who has not opted out; the threshold compares the estimate.
func Plan(line config.Line, c Caller, q config.VoiceQueue, est ewt.Estimate) Step {
	switch {
	case c.Blocked || line.Number.Voice == nil:
		return Refuse
	case c.OptedOut:
		return Wait
	case q.ForceDeflection:
		return Deflect
	case q.EWTThresholdSeconds > 0 && est.Wait > time.Duration(q.EWTThresholdSeconds)*time.Second:
		return Offer
	}
	return Wait
}
