package carriersim

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// deliveryErrors holds the error messages of common delivery error codes.
var deliveryErrors = map[int]string{
	30001: "Queue overflow",
	30002: "Account suspended",
	30003: "Unreachable destination handset",
	30004: "Message blocked",
	30005: "Unknown destination handset",
	30006: "Landline or unreachable carrier",
	30007: "Message filtered",
	30008: "Unknown error",
	30034: "Message blocked due to unregistered 10DLC number",
}

// SetDeliveryOutcome sets the final status of messages sent to the number
// to, e.g. "undelivered" with 30003, or "failed" with 30008. The default
// is "delivered". An empty status restores the default.
func (s *Sim) SetDeliveryOutcome(to string, status string, errorCode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == "" || status == "delivered" {
		delete(s.outcomes, to)
		return
	}
	s.outcomes[to] = outcome{status, errorCode}
}

// startDelivery walks an accepted message through its statuses in the
// background: sent then the final outcome (a "failed" message is never
// sent), one StatusDelay apart, posting a signed callback for each when the
// message has a StatusCallback.
func (s *Sim) startDelivery(sid string) { s.startDeliveryAfter(sid, 0) }

// startDeliveryAfter is startDelivery with the message first held queued for wait.
func (s *Sim) startDeliveryAfter(sid string, wait time.Duration) {
	s.mu.Lock()
	final, ok := s.outcomes[s.bySID[sid].To]
	delay := s.opts.StatusDelay
	s.mu.Unlock()
	if !ok {
		final = outcome{status: "delivered"}
	}
	steps := []outcome{{status: "sent"}, final}
	if final.status == "failed" {
		steps = steps[1:]
	}
	s.wg.Add(1)
	// A message held queued counts as having callbacks to come only once its hold is over.
	counted := wait == 0
	if counted {
		s.callbacks.Add(1)
		s.callbacksStarted.Add(1)
	}
	go func() {
		defer s.wg.Done()
		defer func() {
			if counted {
				s.callbacks.Add(-1)
			}
		}()
		t := time.NewTimer(wait + delay)
		defer t.Stop()
		if wait > 0 {
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(wait):
			}
			counted = true
			s.callbacks.Add(1)
			s.callbacksStarted.Add(1)
		}
		var held []url.Values // callbacks kept back in chaos mode
		for i, st := range steps {
			if i > 0 {
				t.Reset(delay)
			}
			select {
			case <-s.ctx.Done():
				return
			case <-t.C:
			}
			cb, params := s.advance(sid, st)
			if cb == "" || s.droppingCallbacks() {
				continue
			}
			if s.disordered() {
				held = append(held, params)
				continue
			}
			s.postCallback(cb, params)
		}
		s.postDisordered(sid, held)
	}()
}

// SetStatusDelay sets the delay before each status callback of the messages accepted from now
// on, as a carrier slow to report; zero restores the default.
func (s *Sim) SetStatusDelay(d time.Duration) {
	if d <= 0 {
		d = defaultStatusDelay
	}
	s.mu.Lock()
	s.opts.StatusDelay = d
	s.mu.Unlock()
}

// DisorderCallbacks makes the carrier deliver every status callback twice and out of order:
// the statuses of a message newest first, then again oldest first, as retried webhooks
// overtaking each other arrive.
func (s *Sim) DisorderCallbacks(on bool) {
	s.mu.Lock()
	s.chaos = on
	s.mu.Unlock()
}

// DropCallbacks makes the carrier lose every status callback from now on while its messages
// still move on (as when the status webhook is down and the carrier calls it once): only
// asking the Messages API tells a message's status.
func (s *Sim) DropCallbacks(on bool) {
	s.mu.Lock()
	s.dropping = on
	s.mu.Unlock()
}

func (s *Sim) droppingCallbacks() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropping
}

func (s *Sim) disordered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chaos
}

func (s *Sim) postDisordered(sid string, held []url.Values) {
	if len(held) == 0 {
		return
	}
	s.mu.Lock()
	cb := s.bySID[sid].StatusCallback
	s.mu.Unlock()
	for i := len(held) - 1; i >= 0; i-- {
		s.postCallback(cb, held[i])
	}
	for _, p := range held {
		s.postCallback(cb, p)
	}
}

// advance records a status change and returns the callback URL and params.
func (s *Sim) advance(sid string, st outcome) (string, url.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.bySID[sid]
	m.Status = st.status
	m.ErrorCode = st.code
	m.Updated = time.Now().UTC().Truncate(time.Second)
	if m.Sent.IsZero() && m.Status != "failed" {
		m.Sent = m.Updated
	}
	s.broadcastLocked()
	v := url.Values{
		"MessageSid":    {m.SID},
		"SmsSid":        {m.SID},
		"MessageStatus": {m.Status},
		"SmsStatus":     {m.Status},
		"AccountSid":    {m.AccountSID},
		"From":          {m.From},
		"To":            {m.To},
		"ApiVersion":    {APIVersion},
	}
	if m.MessagingServiceSID != "" {
		v.Set("MessagingServiceSid", m.MessagingServiceSID)
	}
	if m.Status == "undelivered" || m.Status == "failed" {
		v.Set("ErrorCode", strconv.Itoa(m.ErrorCode))
	}
	if m.Status == "delivered" {
		v.Set("RawDlrDoneDate", m.Updated.Format("0601021504"))
	}
	return m.StatusCallback, v
}

func (s *Sim) postCallback(cb string, params url.Values) {
	status, body, err := s.postSigned(s.ctx, cb, params)
	if err != nil {
		s.log.Warn("carriersim status callback failed", "url", cb,
			"sid", params.Get("MessageSid"), "status", params.Get("MessageStatus"), "err", err)
		return
	}
	s.log.Debug("carriersim status callback", "url", cb, "sid", params.Get("MessageSid"),
		"status", params.Get("MessageStatus"), "answer", status, "body", body)
}

// postSigned POSTs params form-encoded to target, signed for the exact
// target URL, and returns the answer's status and (truncated) body.
func (s *Sim) postSigned(ctx context.Context, target string, params url.Values) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(params.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", Signature(s.opts.AuthToken, target, params))
	req.Header.Set("I-Twilio-Idempotency-Token", newSID(""))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b), nil
}

// Callbacks reports the messages whose status callbacks are still to come at the carrier's
// usual pace (StatusDelay apart) or in flight (posted, not yet answered), and how many
// messages ever had any, so that a caller can tell the carrier is quiet and nothing started
// since it last looked. A message the carrier holds queued (taken during a stalled send)
// counts only once its hold is over, as a timer due later is not yet due.
func (s *Sim) Callbacks() (pending, started int64) {
	return s.callbacks.Load(), s.callbacksStarted.Load()
}
