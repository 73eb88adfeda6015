package carriersim

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Call is a call a consumer places to a business number.
type Call struct {
	From, To string
	// CallSID is optional: reuse one to simulate a carrier retry.
	CallSID string
	// Keys are the caller's key presses, one per <Gather> in order; a Gather with none left
	// times out (the call goes on with the verb after it, as the carrier does).
	Keys []string
	// Waits is how many times the wait URL of an <Enqueue> is requested while the call
	// waits (QueuePosition and QueueTime grow each time).
	Waits int
}

// CallResult is what the call went through.
type CallResult struct {
	CallSID string
	// Outcome: "rejected" (<Reject>), "hungup" (<Hangup>, or the TwiML ran out), "enqueued"
	// (waiting in a queue when the result was taken), "error" (a webhook answered non-2xx
	// or unparsable TwiML; StatusCode says which).
	Outcome    string
	Queue      string   // the <Enqueue> queue's name
	Said       []string // every <Say>, in order
	Gathers    int      // <Gather>s met
	StatusCode int      // the last webhook's answer
	Body       string   // the last webhook's answer body
	Requests   int      // webhook requests made
}

// maxCallRequests bounds a call's webhook requests: a TwiML loop ends as an error.
const maxCallRequests = 30

// twimlNode is one element of a TwiML document, read generically so that any verb is seen.
type twimlNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr  `xml:",any,attr"`
	Text     string      `xml:",chardata"`
	Children []twimlNode `xml:",any"`
}

func (n twimlNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// PlaceCall makes a call as the carrier does: it POSTs the signed incoming-call webhook
// (CallSid, AccountSid, From, To, CallStatus, Direction, caller geography) to the voice URL and
// follows the TwiML answers: Say, Pause, Gather (posting Digits to its action), Redirect,
// Enqueue (requesting its waitUrl with QueuePosition and QueueTime), Hangup and Reject.
func (s *Sim) PlaceCall(ctx context.Context, c Call) (CallResult, error) {
	switch {
	case !IsE164(c.From):
		return CallResult{}, fmt.Errorf("carriersim: From %q is not E.164", c.From)
	case !IsE164(c.To):
		return CallResult{}, fmt.Errorf("carriersim: To %q is not E.164", c.To)
	case s.opts.VoiceURL == "":
		return CallResult{}, errors.New("carriersim: no voice URL")
	}
	sid := c.CallSID
	if sid == "" {
		sid = newSID("CA")
	}
	base := url.Values{
		"CallSid": {sid}, "AccountSid": {s.opts.AccountSID}, "From": {c.From}, "To": {c.To},
		"CallStatus": {"ringing"}, "Direction": {"inbound"}, "ApiVersion": {APIVersion}, "Caller": {c.From}, "Called": {c.To},
	}
	addGeo(base, "From", c.From)
	addGeo(base, "To", c.To)
	run := &callRun{sim: s, ctx: ctx, base: base, keys: c.Keys, waits: c.Waits, res: CallResult{CallSID: sid}}
	err := run.request(s.opts.VoiceURL, nil, false)
	return run.res, err
}

type callRun struct {
	sim   *Sim
	ctx   context.Context
	base  url.Values
	keys  []string
	waits int
	res   CallResult
	done  bool
	// waiting is set while the call is in a queue: TwiML that runs out (the wait URL's, or a
	// Gather's action within it) leaves it waiting.
	waiting bool
}

// request POSTs the call's fields (with extra) to target, signed, and plays the answer. A
// wait URL's TwiML that runs out leaves the call waiting; any other ends the call.
func (r *callRun) request(target string, extra url.Values, waitURL bool) error {
	if r.res.Requests >= maxCallRequests {
		r.res.Outcome, r.done = "error", true
		return fmt.Errorf("carriersim: call %s made %d requests: a TwiML loop", r.res.CallSID, maxCallRequests)
	}
	r.res.Requests++
	v := url.Values{}
	for k, vs := range r.base {
		v[k] = vs
	}
	for k, vs := range extra {
		v[k] = vs
	}
	status, body, err := r.sim.postSigned(r.ctx, target, v)
	r.res.StatusCode, r.res.Body = status, body
	if err != nil {
		r.res.Outcome, r.done = "error", true
		return fmt.Errorf("carriersim: voice webhook %s: %w", target, err)
	}
	if status/100 != 2 {
		r.res.Outcome, r.done = "error", true
		return nil
	}
	var doc twimlNode
	if err := xml.Unmarshal([]byte(body), &doc); err != nil || doc.XMLName.Local != "Response" {
		r.res.Outcome, r.done = "error", true
		return fmt.Errorf("carriersim: voice webhook %s answered no TwiML <Response>: %v", target, err)
	}
	r.base.Set("CallStatus", "in-progress")
	if err := r.play(doc.Children); err != nil {
		return err
	}
	if !r.done && !waitURL && !r.waiting {
		r.res.Outcome, r.done = "hungup", true // the TwiML ran out: the carrier hangs up
	}
	return nil
}

// play runs verbs in order until one moves the call elsewhere or ends it.
func (r *callRun) play(verbs []twimlNode) error {
	for _, n := range verbs {
		if r.done {
			return nil
		}
		switch n.XMLName.Local {
		case "Say":
			r.res.Said = append(r.res.Said, strings.TrimSpace(n.Text))
		case "Play", "Pause":
		case "Gather":
			r.res.Gathers++
			if err := r.play(n.Children); err != nil || r.done {
				return err
			}
			if len(r.keys) == 0 {
				continue // timed out without input: on to the next verb
			}
			digits := r.keys[0]
			r.keys = r.keys[1:]
			return r.request(r.abs(n.attr("action")), url.Values{"Digits": {digits}}, false)
		case "Redirect":
			return r.request(r.abs(strings.TrimSpace(n.Text)), nil, false)
		case "Enqueue":
			return r.enqueue(n)
		case "Hangup", "Leave":
			r.res.Outcome, r.done = "hungup", true
			return nil
		case "Reject":
			r.res.Outcome, r.done = "rejected", true
			return nil
		default:
			r.res.Outcome, r.done = "error", true
			return fmt.Errorf("carriersim: unknown TwiML verb <%s>", n.XMLName.Local)
		}
	}
	return nil
}

// enqueue puts the call in a queue and requests its wait URL Waits times.
func (r *callRun) enqueue(n twimlNode) error {
	r.res.Queue = strings.TrimSpace(n.Text)
	wait := n.attr("waitUrl")
	r.waiting = true
	for i := range r.waits {
		if wait == "" {
			break
		}
		extra := url.Values{"QueuePosition": {"1"}, "QueueSid": {"QU" + strings.Repeat("0", 32)},
			"QueueTime": {strconv.Itoa(i * 20)}, "AvgQueueTime": {"0"}, "CurrentQueueSize": {"1"}}
		if err := r.request(r.abs(wait), extra, true); err != nil || r.done {
			return err
		}
	}
	r.res.Outcome, r.done = "enqueued", true
	r.sim.keepQueued(r, n)
	return nil
}

// abs resolves a TwiML URL against the voice URL, as the carrier does with relative URLs.
func (r *callRun) abs(u string) string {
	b, err := url.Parse(r.sim.opts.VoiceURL)
	if err != nil {
		return u
	}
	ref, err := url.Parse(u)
	if err != nil {
		return u
	}
	return b.ResolveReference(ref).String()
}

// EndCall ends call sid (From caller, To business) as the carrier reports it: a call that
// waited in a queue first has its Enqueue action requested (QueueResult bridged once an agent
// took it, else hangup), then a signed status callback with CallStatus completed and
// CallDuration goes to the voice status URL. It returns the callback's answer.
func (s *Sim) EndCall(ctx context.Context, sid, from, to string, duration int) (int, error) {
	if s.opts.VoiceStatusURL == "" {
		return 0, errors.New("carriersim: no voice status URL")
	}
	if err := s.leaveQueue(ctx, sid); err != nil {
		return 0, err
	}
	v := url.Values{"CallSid": {sid}, "AccountSid": {s.opts.AccountSID}, "From": {from}, "To": {to},
		"CallStatus": {"completed"}, "CallDuration": {strconv.Itoa(duration)}, "Direction": {"inbound"}, "ApiVersion": {APIVersion}}
	status, _, err := s.postSigned(ctx, s.opts.VoiceStatusURL, v)
	return status, err
}
