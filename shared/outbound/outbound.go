// Package outbound is how the business texts consumers first: one-way notifications (free
// text or templates, sent now or at a set time, held by quiet hours) and chats the business
// opens for an agent or a queue. Every request is checked before anything is stored, and
// the answer says what to fix.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/compliance"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/phone"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Store is what outbound texts read and change.
type Store interface {
	Line(ctx context.Context, number string) (config.Line, error)
	Template(ctx context.Context, id, lang string) (config.Template, error)
	CreateNotification(ctx context.Context, id string, e session.Entry, decide func(*session.Consumer) error, then func(path string) followup.Followups) (followup.Record, error)
	// ConsumerRecord is the consumer's record alone: their time zone, for quiet hours.
	ConsumerRecord(ctx context.Context, business, phone string) (session.Consumer, error)
	OpenOutbound(ctx context.Context, c session.Session, first session.Entry, decide func(*session.Consumer) error, then func(*session.Session) followup.Followups) (followup.Record, error)
}

// Followups carries out what a committed text left to do, within a budget, so that an
// answer says what was committed (followup.Executor.Settle).
type Followups interface {
	Settle(ctx context.Context, r followup.Record)
}

// Service sends business-initiated texts.
type Service struct {
	Store     Store
	Followups Followups
	Log       *slog.Logger
	Now       func() time.Time
}

// Request is one outbound text.
type Request struct {
	ID       string // unique message id (the caller's idempotency key, or generated)
	From, To string
	Body     string
	Template string            // template id, instead of Body
	Language string            // template language; the number's default when empty
	Vars     map[string]string // template variables
	// SendAt schedules a notification; zero sends now.
	SendAt time.Time
	// TimeZone is the consumer's (IANA name), remembered for quiet hours; empty keeps what is
	// known, else the number's time zone.
	TimeZone string
	// Agent or Queue own a chat opened with Open.
	Agent, Queue string
	Consent      *session.Consent
	// StartType of a chat opened with Open: session.StartOutbound when empty,
	// session.StartDeflection for a caller who moved from a call to text.
	StartType string
	// Media are the first text's attachments, kept already (media.Keeper): an MMS.
	Media []session.Media
	// ForCall keeps a chat opened for Queue waiting for the agent who answers the call it came
	// from (session.AwaitingCall) rather than offering it to the queue's agents.
	ForCall bool
	// holdQuiet schedules a notification that falls in quiet hours for the next allowed time
	// instead of refusing it (bulk sends).
	holdQuiet bool
	// bulk marks one recipient's text of a bulk send, which reports count apart.
	bulk bool
}

// Kind says why a request is refused, for the API to answer accordingly.
type Kind int

// Kinds of refusal.
const (
	// Invalid is a malformed request: a bad number, body, time or variable.
	Invalid Kind = iota + 1
	// Unknown names what the business has not configured: a sender, template, queue or agent.
	Unknown
	// NotAllowedNow is a request refused for now: quiet hours (NextAllowedAt says until when).
	NotAllowedNow
	// ConsumerState is refused by the consumer's state: opted out, no consent, already in a
	// chat, or a possible opt-out request not yet settled.
	ConsumerState
	// KeyReused is an Idempotency-Key (or bulk job) already used by another request.
	KeyReused
	// InProgress is an Idempotency-Key whose first request is still being answered.
	InProgress
	// NotFound is a bulk job that is not the caller's, or does not exist.
	NotFound
)

// Error is a refused request: its kind, a code and what to fix.
type Error struct {
	Kind          Kind
	Code          string
	Message       string
	NextAllowedAt time.Time // for quiet hours
}

func (e *Error) Error() string { return e.Message }

func refuse(kind Kind, code, format string, a ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, a...)}
}

// Sent is an accepted text.
type Sent struct {
	Path      string    `json:"-"`
	ChatID    string    `json:"chatId,omitempty"`
	Status    string    `json:"status"`
	SendAt    time.Time `json:"sendAt,omitzero"` // set only when the text is held for later
	Encoding  string    `json:"encoding"`
	Segments  int       `json:"segments"`
	Body      string    `json:"body"`
	MessageID string    `json:"messageId"`
}

// prepare validates the request and resolves its text.
func (s *Service) prepare(ctx context.Context, r *Request) (config.Line, error) {
	switch {
	case !phone.ValidE164(r.To):
		return config.Line{}, refuse(Invalid, "invalid_to", "to: %v", phone.CheckE164(r.To))
	case !phone.ValidBusinessNumber(r.From):
		return config.Line{}, refuse(Invalid, "invalid_from", "from %.48q is neither an E.164 number like +18005550100 nor a short code", r.From)
	}
	line, text, err := s.text(ctx, *r)
	if err != nil {
		return line, err
	}
	body, err := config.Fill(text, map[string]string{"brand": line.Number.Brand}, r.Vars)
	var missing *config.MissingValueError
	if errors.As(err, &missing) {
		what := "the text"
		if r.Template != "" {
			what = fmt.Sprintf("template %q", r.Template)
		}
		return line, refuse(Invalid, "missing_variable", "%s needs a non-empty value for %s in \"variables\"", what, missing.Placeholder)
	}
	r.Body = strings.TrimSpace(body)
	if r.Body == "" && len(r.Media) == 0 {
		return line, refuse(Invalid, "empty_body", `the text is empty: give "body" or "template"`)
	}
	if n := len([]rune(r.Body)); n > compliance.MaxBodyChars {
		return line, refuse(Invalid, "body_too_long", "the text has %d characters; carriers take at most %d", n, compliance.MaxBodyChars)
	}
	return line, nil
}

// text is the sender's line and the request's text before its placeholders are filled: the
// body, or the template in the request's language.
func (s *Service) text(ctx context.Context, r Request) (config.Line, string, error) {
	if !phone.ValidBusinessNumber(r.From) {
		return config.Line{}, "", refuse(Invalid, "invalid_from", "from %.48q is neither an E.164 number like +18005550100 nor a short code", r.From)
	}
	line, err := s.Store.Line(ctx, r.From)
	if errors.Is(err, store.ErrNotFound) {
		return line, "", refuse(Unknown, "unknown_sender", "from %s is not one of the business's numbers", r.From)
	}
	if err != nil {
		return line, "", err
	}
	if r.Template == "" {
		if strings.TrimSpace(r.Body) == "" && len(r.Media) == 0 {
			return line, "", refuse(Invalid, "empty_body", `the text is empty: give "body" or "template"`)
		}
		return line, r.Body, nil
	}
	if r.Body != "" {
		return line, "", refuse(Invalid, "invalid_body", `send either "body" or "template", not both`)
	}
	lang := r.Language
	if lang == "" {
		lang = line.Number.DefaultLanguage
	}
	t, err := s.Store.Template(ctx, r.Template, lang)
	if errors.Is(err, store.ErrNotFound) {
		return line, "", refuse(Unknown, "unknown_template", "there is no template %q in language %q", r.Template, lang)
	}
	if err != nil {
		return line, "", err
	}
	return line, t.Text, nil
}

// refusal turns store errors about the consumer into answers.
func refusal(err error) error {
	for _, c := range []struct {
		sentinel error
		kind     Kind
		code     string
	}{
		{session.ErrOptedOut, ConsumerState, "opted_out"}, {session.ErrNoConsent, ConsumerState, "no_consent"},
		{session.ErrBusy, ConsumerState, "in_chat"}, {store.ErrNotFound, Unknown, "unknown_agent"},
		{session.ErrOptOutPending, ConsumerState, "possible_opt_out"},
	} {
		if errors.Is(err, c.sentinel) {
			return refuse(c.kind, c.code, "%s", detail(err, c.sentinel))
		}
	}
	return err
}

// detail is the part of err's text from sentinel's on: the reason, without the call chain.
func detail(err, sentinel error) string {
	msg := err.Error()
	if i := strings.Index(msg, sentinel.Error()); i >= 0 {
		return msg[i:]
	}
	return msg
}

// Notify sends a one-way text. Quiet hours in the consumer's time zone refuse an immediate
// send with the next allowed time; a scheduled send must fall inside the allowed hours.
func (s *Service) Notify(ctx context.Context, r Request) (Sent, error) {
	line, err := s.prepare(ctx, &r)
	if err != nil {
		return Sent{}, err
	}
	now := s.Now()
	at := r.SendAt
	if at.IsZero() {
		at = now
	} else if at.Before(now.Add(-time.Minute)) {
		return Sent{}, refuse(Invalid, "invalid_send_at", "sendAt %s is in the past", at.Format(time.RFC3339))
	}
	loc := line.Location()
	if r.TimeZone != "" {
		l, err := time.LoadLocation(r.TimeZone)
		if err != nil {
			return Sent{}, refuse(Invalid, "invalid_time_zone", "timeZone %q is not an IANA time zone like America/Chicago", r.TimeZone)
		}
		loc = l
	} else if c, err := s.Store.ConsumerRecord(ctx, r.From, r.To); err == nil {
		loc = c.Location(loc)
	}
	if next := line.Quiet.NextAllowed(at, loc); next.After(at) && r.holdQuiet {
		at = next
	} else if next.After(at) {
		e := refuse(NotAllowedNow, "quiet_hours", "%s is within quiet hours for %s (%s); the next allowed time is %s: pass it as sendAt",
			at.In(loc).Format(time.RFC3339), r.To, loc, next.Format(time.RFC3339))
		e.NextAllowedAt = next
		return Sent{}, e
	}
	kind := session.KindNotification
	if r.bulk {
		kind = session.KindBulk
	}
	e := session.Entry{Author: session.FromSystem, Kind: kind, Body: r.Body, At: now, Business: r.From, Phone: r.To,
		Status: session.StatusPending, Notification: true, Encoding: compliance.Encoding(r.Body), Segments: compliance.Segments(r.Body)}
	if at.After(now) {
		e.Status, e.NotBefore = session.StatusScheduled, at
	}
	rec, err := s.Store.CreateNotification(ctx, "N"+r.ID, e, func(c *session.Consumer) error {
		return c.AcceptNotification(r.Consent, e.At, r.TimeZone)
	}, func(path string) followup.Followups {
		return Notified(path, e)
	})
	if err != nil {
		return Sent{}, refusal(err)
	}
	s.Followups.Settle(ctx, rec)
	out := Sent{Path: path(rec, e), Status: e.Status, Encoding: e.Encoding, Segments: e.Segments, Body: e.Body, MessageID: "N" + r.ID}
	if e.Status == session.StatusScheduled {
		out.SendAt = at
	}
	return out, nil
}

// Notified is what a stored one-way text at path leaves to do: send it now, or release it
// at its time.
func Notified(path string, e session.Entry) followup.Followups {
	if e.Status == session.StatusScheduled {
		return followup.Followups{Timers: []session.Timer{{SessionID: path, Kind: session.TimerSend, Due: e.NotBefore}}}
	}
	return followup.Followups{Send: []string{path}}
}

// path is the stored text's path, from its follow-ups.
func path(rec followup.Record, e session.Entry) string {
	if e.Status == session.StatusScheduled && len(rec.Timers) > 0 {
		return rec.Timers[0].SessionID
	}
	if len(rec.Send) > 0 {
		return rec.Send[0]
	}
	return ""
}

// Opened is what opening chat cs (about to be stored) leaves to do: its timers, counting
// from the business's first message, the outbound event (the CRM records the chat) and, for
// a chat waiting in a queue, the offer to its agents.
func Opened(line config.Line, cs *session.Session, now time.Time) followup.Followups {
	cs.LastAgentAt = now
	f := followup.Followups{Timers: session.Plan(line, cs), Events: []chatevents.Event{{Type: chatevents.Outbound, SessionID: cs.ID}}}
	if cs.State == session.Queued {
		f.Assign = []followup.Queued{followup.Waiting(*cs)}
	}
	return f
}

// Open starts a chat with the consumer, owned by an agent or waiting in a queue; the
// consumer's reply continues it.
func (s *Service) Open(ctx context.Context, r Request) (Sent, error) {
	if (r.Agent == "") == (r.Queue == "") {
		return Sent{}, refuse(Invalid, "invalid_owner", `name exactly one owner of the chat: "agent" or "queue"`)
	}
	line, err := s.prepare(ctx, &r)
	if err != nil {
		return Sent{}, err
	}
	now := s.Now()
	c := session.Session{ID: "O" + r.ID, Business: r.From, Phone: r.To, LineOfBusiness: line.Number.LineOfBusiness,
		Language: line.Number.DefaultLanguage, StartType: session.StartOutbound, CreatedAt: now}
	if r.StartType != "" {
		c.StartType = r.StartType
	}
	if r.Agent != "" {
		c.State, c.AgentID, c.AssignedAt, c.QueueID = session.Assigned, r.Agent, now, line.Number.EntryQueue
		c.OpenedFor(r.Agent, now)
	} else {
		q, ok := line.Queue(r.Queue)
		if !ok || line.IsMenu(r.Queue) {
			return Sent{}, refuse(Unknown, "unknown_queue", "queue %q is not a queue that holds chats in this number's line of business", r.Queue)
		}
		if r.ForCall {
			c.AwaitCall(q.ID, q.Priority, now)
		} else {
			c.EnterQueue(q.ID, q.Priority, now)
		}
	}
	author := session.FromSystem
	if r.Agent != "" {
		author = session.FromAgent
	}
	first := session.Entry{Author: author, AgentID: r.Agent, Kind: "outbound", Body: r.Body, Media: r.Media, At: now, Business: r.From, Phone: r.To,
		Status: session.StatusPending, Encoding: compliance.Encoding(r.Body), Segments: compliance.Segments(r.Body)}
	c.Count(first)
	rec, err := s.Store.OpenOutbound(ctx, c, first, func(cons *session.Consumer) error {
		return cons.AcceptChat(c.ID, r.Consent)
	}, func(cs *session.Session) followup.Followups {
		return Opened(line, cs, now)
	})
	if err != nil {
		return Sent{}, refusal(err)
	}
	s.Log.Info("outbound chat opened", "session", c.ID, "agent", r.Agent, "queue", r.Queue, "startType", c.StartType)
	s.Followups.Settle(ctx, rec)
	path := ""
	if len(rec.Send) > 0 {
		path = rec.Send[0]
	}
	return Sent{Path: path, ChatID: c.ID, Status: session.StatusPending, Encoding: first.Encoding, Segments: first.Segments, Body: r.Body, MessageID: c.ID}, nil
}
