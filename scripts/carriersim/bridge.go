package carriersim

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// queuedCall is a call PlaceCall left waiting in a queue, for BridgeCall and EndCall.
type queuedCall struct {
	base    url.Values // the call's webhook fields
	queue   string
	action  string // the Enqueue's action URL, resolved; "" none
	waited  int    // seconds waited (20 per wait URL request)
	bridged bool
}

// keepQueued remembers a call that is waiting in queue n when PlaceCall returns.
func (s *Sim) keepQueued(r *callRun, n twimlNode) {
	q := &queuedCall{base: url.Values{}, queue: strings.TrimSpace(n.Text), waited: r.waits * 20}
	for k, vs := range r.base {
		q.base[k] = append([]string(nil), vs...)
	}
	if a := n.attr("action"); a != "" {
		q.action = r.abs(a)
	}
	s.mu.Lock()
	s.queued[r.res.CallSID] = q
	s.mu.Unlock()
}

// Bridge is an agent's <Dial><Queue url="URL">queue</Queue></Dial> taking a waiting call.
type Bridge struct {
	// CallSID is the waiting call to take (PlaceCall's CallResult.CallSID).
	CallSID string
	// URL is the Queue noun's url attribute, requested on the caller's call just before the
	// two are bridged; "" requests nothing.
	URL string
	// AgentCallSID is the agent's call (DequeingCallSid); optional.
	AgentCallSID string
}

// BridgeResult is what the caller heard before being connected.
type BridgeResult struct {
	Said       []string
	StatusCode int    // the url's answer; 0 when none was requested
	Body       string // the url's answer body
}

// BridgeCall dequeues a waiting call to an agent as the carrier does: it POSTs the signed
// Queue url request (the call's fields with QueueSid, QueueTime and DequeingCallSid; CallSid
// is the caller's) and plays its TwiML (Say, Play, Pause) to the caller; the call is then
// bridged, and EndCall reports QueueResult bridged to the Enqueue action.
func (s *Sim) BridgeCall(ctx context.Context, b Bridge) (BridgeResult, error) {
	s.mu.Lock()
	q := s.queued[b.CallSID]
	s.mu.Unlock()
	if q == nil {
		return BridgeResult{}, fmt.Errorf("carriersim: call %q is not waiting in a queue", b.CallSID)
	}
	if q.bridged {
		return BridgeResult{}, fmt.Errorf("carriersim: call %s was already bridged", b.CallSID)
	}
	agent := b.AgentCallSID
	if agent == "" {
		agent = newSID("CA")
	}
	var res BridgeResult
	if b.URL != "" {
		run := &callRun{sim: s, ctx: ctx, base: q.base, res: CallResult{CallSID: b.CallSID}, waiting: true}
		extra := url.Values{"QueueSid": {queueSID(q.queue)}, "QueueTime": {strconv.Itoa(q.waited)}, "DequeingCallSid": {agent}}
		if err := run.request(run.abs(b.URL), extra, true); err != nil {
			return res, err
		}
		res = BridgeResult{Said: run.res.Said, StatusCode: run.res.StatusCode, Body: run.res.Body}
	}
	s.mu.Lock()
	q.bridged = true
	s.mu.Unlock()
	return res, nil
}

// leaveQueue requests the Enqueue action of a call that waited in a queue, as it ends.
func (s *Sim) leaveQueue(ctx context.Context, sid string) error {
	s.mu.Lock()
	q := s.queued[sid]
	delete(s.queued, sid)
	s.mu.Unlock()
	if q == nil || q.action == "" {
		return nil
	}
	result := "hangup"
	if q.bridged {
		result = "bridged"
	}
	v := url.Values{"QueueResult": {result}, "QueueSid": {queueSID(q.queue)}, "QueueTime": {strconv.Itoa(q.waited)}}
	for k, vs := range q.base {
		v[k] = vs
	}
	v.Set("CallStatus", "in-progress")
	status, _, err := s.postSigned(ctx, q.action, v)
	if err != nil {
		return fmt.Errorf("carriersim: Enqueue action %s: %w", q.action, err)
	}
	if status/100 != 2 {
		return fmt.Errorf("carriersim: Enqueue action %s answered %d", q.action, status)
	}
	return nil
}

// queueSID is a stable QU id for a queue name.
func queueSID(name string) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 32)
	for i := range b {
		b[i] = '0'
	}
	for i, c := range []byte(name) {
		b[i%32] = hex[(int(b[i%32])+int(c))%16]
	}
	return "QU" + string(b)
}
