package carriersim

import (
	"context"
	"fmt"
	"github.com/smsdesk/smsdesk/shared/compliance"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is an outbound message accepted by the REST API.
type Message struct {
	SID                 string    `json:"sid"`
	AccountSID          string    `json:"accountSid"`
	MessagingServiceSID string    `json:"messagingServiceSid,omitempty"`
	From                string    `json:"from"`
	To                  string    `json:"to"`
	Body                string    `json:"body"`
	MediaURLs           []string  `json:"mediaUrls,omitempty"`
	StatusCallback      string    `json:"statusCallback,omitempty"`
	Status              string    `json:"status"`
	ErrorCode           int       `json:"errorCode,omitempty"`
	NumSegments         int       `json:"numSegments"`
	Created             time.Time `json:"created"`
	Updated             time.Time `json:"updated"`
	// ByCarrier marks the carrier's own reply to a keyword (not sent through the API).
	ByCarrier bool `json:"byCarrier,omitempty"`
	// Sent is when the message left for the handset (the API's date_sent); zero while queued.
	Sent time.Time `json:"sent,omitzero"`
}

func (m *Message) clone() Message {
	c := *m
	c.MediaURLs = append([]string(nil), m.MediaURLs...)
	return c
}

// MaxBodyLength is the longest body the API accepts, in characters.
const MaxBodyLength = 1600

// MaxMedia is the most MediaUrl values one message may carry.
const MaxMedia = 10

var (
	e164Re      = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	shortCodeRe = regexp.MustCompile(`^[0-9]{3,6}$`)
)

// IsE164 reports whether n is an E.164 phone number such as +15551230001.
func IsE164(n string) bool { return e164Re.MatchString(n) }

// FailNext makes the next n REST sends answer HTTP status with Twilio error
// code (e.g. 429/20429, 500/20500, 400/21610); those messages are not
// accepted. A code of 0 answers with an HTML body instead of JSON.
func (s *Sim) FailNext(n int, status int, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.failures = append(s.failures, failure{status: status, code: code})
	}
}

// StallNext makes the next n REST sends get no answer, as when the carrier or the network
// hangs: the request is held until the client gives up and the connection is then dropped.
// With taken, the carrier has accepted the message all the same (the client never hears of
// it), and it stays queued for a minute before its statuses move on.
func (s *Sim) StallNext(n int, taken bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.failures = append(s.failures, failure{stall: true, taken: taken})
	}
}

// FailFor makes every REST send answer as FailNext does until d has passed; with stall
// (status and code ignored) every send gets no answer instead, as StallNext without taken.
// Counted failures (FailNext, StallNext) come first.
func (s *Sim) FailFor(d time.Duration, status, code int, stall bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failUntil = time.Now().Add(d)
	s.failTimed = failure{status: status, code: code, stall: stall}
}

// nextFailure takes the next injected failure, if any.
func (s *Sim) nextFailure() (failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == 0 {
		if time.Now().Before(s.failUntil) {
			return s.failTimed, true
		}
		return failure{}, false
	}
	f := s.failures[0]
	s.failures = s.failures[1:]
	s.log.Info("carriersim injected failure", "status", f.status, "code", f.code, "stall", f.stall, "taken", f.taken)
	return f, true
}

// stalledQueueTime is how long a message taken during a stalled send stays queued.
const stalledQueueTime = time.Minute

// stall holds a request until its client goes away (or the simulator closes), then drops the
// connection without an answer.
func (s *Sim) stall(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.ctx.Done():
	}
	panic(http.ErrAbortHandler)
}

// Sent returns copies of every accepted outbound message, in acceptance order.
func (s *Sim) Sent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = m.clone()
	}
	return out
}

// Message returns the outbound message with the given SID.
func (s *Sim) Message(sid string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.bySID[sid]
	if !ok {
		return Message{}, false
	}
	return m.clone(), true
}

// WaitFor blocks until an accepted outbound message matches (already-sent
// messages are checked first; status changes are re-checked) or ctx ends.
func (s *Sim) WaitFor(ctx context.Context, match func(Message) bool) (Message, error) {
	for {
		s.mu.Lock()
		for _, m := range s.messages {
			if c := m.clone(); match(c) {
				s.mu.Unlock()
				return c, nil
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Message{}, fmt.Errorf("carriersim: no matching message: %w", ctx.Err())
		}
	}
}

var failureMessages = map[int]string{
	20003: "Authenticate",
	20429: "Too Many Requests",
	20500: "Internal Server Error",
	20503: "Service Unavailable",
	21610: "Attempt to send to unsubscribed recipient",
	21611: "This 'From' number has exceeded the maximum number of queued messages",
	21612: "The 'To' phone number is not currently reachable via SMS",
	21614: "'To' number is not a valid mobile number",
}

func (s *Sim) handleCreate(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now().UTC() // a carrier counts its rate as requests arrive
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Could not parse form body")
		return
	}
	fault, faulty := s.nextFailure()
	stalled := faulty && fault.stall
	switch {
	case stalled && !fault.taken:
		s.stall(r)
	case faulty && !stalled:
		msg := failureMessages[fault.code]
		if msg == "" {
			msg = http.StatusText(fault.status)
		}
		writeError(w, fault.status, fault.code, msg)
		return
	}

	f := r.PostForm
	m := &Message{
		AccountSID:          s.opts.AccountSID,
		MessagingServiceSID: f.Get("MessagingServiceSid"),
		From:                f.Get("From"),
		To:                  f.Get("To"),
		Body:                f.Get("Body"),
		MediaURLs:           f["MediaUrl"],
		StatusCallback:      f.Get("StatusCallback"),
		Status:              "queued",
	}
	if status, code, msg := s.validate(m); code != 0 {
		writeError(w, status, code, msg)
		return
	}
	m.SID = newSID("SM")
	m.NumSegments = compliance.Segments(m.Body)
	m.Created = arrived // full precision; the wire format shows seconds
	m.Updated = m.Created

	s.mu.Lock()
	if m.From == "" {
		if nums := s.opts.MessagingServices[m.MessagingServiceSID]; len(nums) > 0 {
			m.From = nums[0]
		}
	}
	if s.blockedLocked(m) {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, 21610, failureMessages[21610])
		return
	}
	s.messages = append(s.messages, m)
	s.bySID[m.SID] = m
	out := s.renderLocked(m)
	s.broadcastLocked()
	s.mu.Unlock()

	s.log.Info("carriersim accepted", "sid", m.SID, "from", m.From, "to", m.To, "segments", m.NumSegments, "stalled", stalled)
	if stalled {
		s.startDeliveryAfter(m.SID, stalledQueueTime)
		s.stall(r)
	}
	writeJSON(w, http.StatusCreated, out)
	s.startDelivery(m.SID)
}

// validate mirrors the API's request checks; code 0 means valid.
func (s *Sim) validate(m *Message) (status, code int, msg string) {
	bad := http.StatusBadRequest
	switch {
	case m.To == "":
		return bad, 21604, "A 'To' phone number is required."
	case m.From == "" && m.MessagingServiceSID == "":
		return bad, 21603, "A 'From' phone number is required."
	case m.Body == "" && len(m.MediaURLs) == 0:
		return bad, 21602, "Message body is required."
	case !IsE164(m.To):
		return bad, 21211, fmt.Sprintf("The 'To' number %s is not a valid phone number.", m.To)
	case m.From != "" && !IsE164(m.From) && !shortCodeRe.MatchString(m.From):
		return bad, 21212, fmt.Sprintf("The 'From' number %s is not a valid phone number, shortcode, or alphanumeric sender ID.", m.From)
	case m.From == m.To:
		return bad, 21266, "'To' and 'From' number cannot be the same"
	case utf8.RuneCountInString(m.Body) > MaxBodyLength:
		return bad, 21617, "The concatenated message body exceeds the 1600 character limit."
	case len(m.MediaURLs) > MaxMedia:
		return bad, 21623, "Number of media files exceeds allowed limit"
	}
	for _, u := range m.MediaURLs {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return bad, 21620, "Invalid media URL(s)"
		}
	}
	return 0, 0, ""
}

// blockedLocked reports whether m's recipient opted out of its sender (or of
// any number of its messaging service). s.mu must be held.
func (s *Sim) blockedLocked(m *Message) bool {
	senders := []string{m.From}
	if m.MessagingServiceSID != "" {
		senders = append(senders, m.MessagingServiceSID)
		senders = append(senders, s.opts.MessagingServices[m.MessagingServiceSID]...)
	}
	for _, b := range senders {
		if b != "" && s.optOuts[pair{b, m.To}] {
			return true
		}
	}
	return false
}

func (s *Sim) handleFetch(w http.ResponseWriter, r *http.Request) {
	sid := strings.TrimSuffix(r.PathValue("sid"), ".json")
	s.mu.Lock()
	m, ok := s.bySID[sid]
	var out map[string]any
	if ok {
		out = s.renderLocked(m)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, 20404,
			fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// renderLocked returns m in the API's JSON shape. s.mu must be held.
func (s *Sim) renderLocked(m *Message) map[string]any {
	base := fmt.Sprintf("/%s/Accounts/%s/Messages/%s", APIVersion, m.AccountSID, m.SID)
	var svc, errCode, errMsg, dateSent any
	if m.MessagingServiceSID != "" {
		svc = m.MessagingServiceSID
	}
	if m.ErrorCode != 0 {
		errCode, errMsg = m.ErrorCode, deliveryErrors[m.ErrorCode]
	}
	if !m.Sent.IsZero() {
		dateSent = m.Sent.Format(time.RFC1123Z)
	}
	var from any = m.From
	if m.From == "" {
		from = nil
	}
	return map[string]any{
		"sid":                   m.SID,
		"account_sid":           m.AccountSID,
		"api_version":           APIVersion,
		"body":                  m.Body,
		"date_created":          m.Created.Format(time.RFC1123Z),
		"date_updated":          m.Updated.Format(time.RFC1123Z),
		"date_sent":             dateSent,
		"direction":             "outbound-api",
		"error_code":            errCode,
		"error_message":         errMsg,
		"from":                  from,
		"to":                    m.To,
		"messaging_service_sid": svc,
		"num_media":             strconv.Itoa(len(m.MediaURLs)),
		"num_segments":          strconv.Itoa(m.NumSegments),
		"price":                 nil,
		"price_unit":            "USD",
		"status":                m.Status,
		"uri":                   base + ".json",
		"subresource_uris": map[string]string{
			"media":    base + "/Media.json",
			"feedback": base + "/Feedback.json",
		},
	}
}
