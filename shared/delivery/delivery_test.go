package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/compliance"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// memOutbox keeps messages in memory.
type memOutbox struct {
	mu       sync.Mutex
	entries  map[string]*session.Entry
	consumer *session.Consumer // nil: a consumer with nothing on record
}

func (o *memOutbox) UpdateEntry(_ context.Context, path string, change func(*session.Entry, session.Consumer, *followup.Followups) bool) (session.Entry, followup.Record, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	e := o.entries[path]
	c := *e
	cons := session.Consumer{Business: e.Business, Phone: e.Phone}
	if o.consumer != nil {
		cons = *o.consumer
	}
	var then followup.Followups
	if !change(&c, cons, &then) {
		return c, followup.Record{}, nil
	}
	*e = c
	return c, followup.Record{ID: fmt.Sprintf("%s-%s", path, c.Status), Followups: then, Stored: then.Durable()}, nil
}

func (o *memOutbox) UpdateStatus(ctx context.Context, path string, change func(*session.Entry, *followup.Followups) bool) (session.Entry, followup.Record, error) {
	return o.UpdateEntry(ctx, path, func(e *session.Entry, _ session.Consumer, then *followup.Followups) bool { return change(e, then) })
}

func (o *memOutbox) MarkOptedOut(context.Context, string, string, string) error { return nil }

func (o *memOutbox) get(path string) session.Entry {
	o.mu.Lock()
	defer o.mu.Unlock()
	return *o.entries[path]
}

// scriptedCarrier answers sends and finds from scripts, then accepts.
type scriptedCarrier struct {
	mu    sync.Mutex
	sends []error // answers to the next sends; nil accepts
	finds []found // answers to the next finds
	sent  []carrier.Message
	asked int
	// statuses are the carrier's statuses by sid; statusErr fails every status call.
	statuses    map[string]carrier.Status
	statusErr   error
	statusAsked int
}

type found struct {
	sent carrier.Sent
	ok   bool
	err  error
}

func (c *scriptedCarrier) Send(_ context.Context, m carrier.Message) (carrier.Sent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	if len(c.sends) > 0 {
		err, c.sends = c.sends[0], c.sends[1:]
	}
	if err != nil && !errors.Is(err, errTakenSilently) {
		return carrier.Sent{}, err
	}
	c.sent = append(c.sent, m)
	if err != nil {
		return carrier.Sent{}, fmt.Errorf("%w: %w", carrier.ErrNoAnswer, err)
	}
	return carrier.Sent{SID: fmt.Sprintf("SM%032d", len(c.sent)), Status: "queued"}, nil
}

func (c *scriptedCarrier) Find(context.Context, carrier.Message, time.Time) (carrier.Sent, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked++
	if len(c.finds) == 0 {
		return carrier.Sent{}, false, nil
	}
	f := c.finds[0]
	c.finds = c.finds[1:]
	return f.sent, f.ok, f.err
}

// Status answers from statuses (ErrUnknownMessage when absent), or fails with statusErr.
func (c *scriptedCarrier) Status(_ context.Context, sid string) (carrier.Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statusAsked++
	if c.statusErr != nil {
		return carrier.Status{}, c.statusErr
	}
	st, ok := c.statuses[sid]
	if !ok {
		return carrier.Status{}, carrier.ErrUnknownMessage
	}
	return st, nil
}

// errTakenSilently is a send the carrier takes without answering.
var errTakenSilently = errors.New("timeout after the carrier took it")

type oneLine struct{}

func (oneLine) Line(context.Context, string) (config.Line, error) {
	return config.Line{Number: config.Number{MPS: 1000}}, nil
}

// carried records the follow-ups the sender hands on after each change it writes.
type carried struct {
	mu      sync.Mutex
	records []followup.Record
}

func (c *carried) AfterCommit(_ context.Context, r followup.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = append(c.records, r)
	return nil
}

type tracked struct {
	mu       sync.Mutex
	statuses []string
}

func (t *tracked) Track(_ context.Context, _ string, e session.Entry) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.statuses = append(t.statuses, e.Status)
	return nil
}

const path = "sessions/C1/transcript/000001"

func newSender(c *scriptedCarrier) (*Sender, *memOutbox, *tracked) {
	o := &memOutbox{entries: map[string]*session.Entry{path: {
		Author: session.FromAgent, Body: "hello", Business: "+18005550100", Phone: "+15551230001",
		Status: session.StatusPending, At: time.Now().Add(-time.Second),
	}}}
	tr := &tracked{}
	s := &Sender{Outbox: o, Carrier: c, Lines: oneLine{}, Followups: &carried{}, StaleClaim: time.Minute,
		CallbackURL: func(string) string { return "https://example.test/status" }, Log: slog.New(slog.DiscardHandler), Results: tr}
	return s, o, tr
}

// TestAnsweredFailuresAreRetriedAtOnce: a 503 took nothing, so the delivery calls the carrier
// again itself, shortly; only a carrier busy through every call fails the delivery, with the
// message free for Pub/Sub's next one.
func TestAnsweredFailuresAreRetriedAtOnce(t *testing.T) {
	ctx := context.Background()
	c := &scriptedCarrier{sends: []error{&carrier.Error{HTTPStatus: 503, Message: "HTML error page"}}}
	s, o, _ := newSender(c)
	if err := s.Deliver(ctx, path); err != nil {
		t.Fatal(err)
	}
	if e := o.get(path); e.Status != "queued" || len(c.sent) != 1 || c.asked != 0 || len(c.sends) != 0 {
		t.Errorf("after a 503: status %q, %d sent, asked %d; want queued, sent once", e.Status, len(c.sent), c.asked)
	}

	busy := &carrier.Error{HTTPStatus: 429, Code: 20429}
	c = &scriptedCarrier{sends: []error{busy, busy}}
	s, o, _ = newSender(c)
	s.BusyBackoff = []time.Duration{time.Millisecond}
	if err := s.Deliver(ctx, path); err == nil {
		t.Fatal("a carrier busy through every call reported no error: it would not be retried")
	}
	if e := o.get(path); e.Status != session.StatusPending {
		t.Fatalf("after the carrier stayed busy the message is %q, want pending (free for the retry)", e.Status)
	}
	if err := s.Deliver(ctx, path); err != nil {
		t.Fatal(err)
	}
	if e := o.get(path); e.Status != "queued" || len(c.sent) != 1 {
		t.Errorf("retry: status %q, %d sent", e.Status, len(c.sent))
	}
}

func TestUnansweredSendIsLookedUpBeforeSendingAgain(t *testing.T) {
	ctx := context.Background()
	t.Run("the carrier has it", func(t *testing.T) {
		c := &scriptedCarrier{sends: []error{errTakenSilently}, finds: []found{{sent: carrier.Sent{SID: "SMfound", Status: "sent"}, ok: true}}}
		s, o, tr := newSender(c)
		if err := s.Deliver(ctx, path); err != nil {
			t.Fatal(err)
		}
		if e := o.get(path); e.MessageSID != "SMfound" || e.Status != "sent" || len(c.sent) != 1 {
			t.Errorf("entry %+v after %d sends", e, len(c.sent))
		}
		if len(tr.statuses) != 1 || tr.statuses[0] != "sent" {
			t.Errorf("tracked %v", tr.statuses)
		}
	})
	t.Run("the carrier does not have it", func(t *testing.T) {
		c := &scriptedCarrier{sends: []error{errors.New("connection reset")}}
		s, o, _ := newSender(c)
		if err := s.Deliver(ctx, path); err == nil {
			t.Fatal("no error: the message would not be sent again")
		}
		if e := o.get(path); e.Status != session.StatusPending || c.asked != 1 {
			t.Fatalf("entry %q after asking %d times, want pending after one question", e.Status, c.asked)
		}
		if err := s.Deliver(ctx, path); err != nil || len(c.sent) != 1 {
			t.Errorf("resend: %v, %d sends", err, len(c.sent))
		}
	})
	t.Run("the carrier cannot be asked", func(t *testing.T) {
		c := &scriptedCarrier{sends: []error{errTakenSilently}, finds: []found{{err: errors.New("list: timeout")}, {sent: carrier.Sent{SID: "SM1", Status: "delivered"}, ok: true}}}
		s, o, _ := newSender(c)
		if err := s.Deliver(ctx, path); err == nil {
			t.Fatal("no error")
		}
		// A delivery while the attempt is unresolved sends nothing and comes back when the
		// claim may be stale, instead of spending a Pub/Sub delivery.
		if err := s.Deliver(ctx, path); err != nil {
			t.Fatalf("a delivery while the attempt is unresolved = %v, want a recheck", err)
		}
		if tm := recheckTimers(s); len(tm) != 1 || tm[0].SessionID != path || tm[0].Kind != session.TimerSend ||
			tm[0].Due.Before(o.get(path).ClaimedAt.Add(s.StaleClaim)) {
			t.Fatalf("recheck timers %+v, want one send timer once the claim is stale", tm)
		}
		if len(c.sent) != 1 {
			t.Fatalf("%d sends while the claim was fresh, want 1", len(c.sent))
		}
		o.mu.Lock()
		o.entries[path].ClaimedAt = time.Now().Add(-2 * time.Minute) // the claim goes stale
		o.mu.Unlock()
		if err := s.Deliver(ctx, path); err != nil {
			t.Fatal(err)
		}
		if e := o.get(path); e.MessageSID != "SM1" || e.Status != "delivered" || len(c.sent) != 1 || c.asked != 2 {
			t.Errorf("entry %+v, %d sends, asked %d times", e, len(c.sent), c.asked)
		}
	})
}

// TestFlaggedConsumerGetsNoNotification: a notification held (quiet hours, a later send time)
// before its consumer wrote opt-out wording in a chat is not sent while the request waits for
// an agent; the chat's own messages still are.
func TestFlaggedConsumerGetsNoNotification(t *testing.T) {
	c := &scriptedCarrier{}
	s, o, _ := newSender(c)
	o.consumer = &session.Consumer{Business: "+18005550100", Phone: "+15551230001",
		OptOutFlag: &session.OptOutFlag{Wording: "stop texting", SessionID: "C1"}}
	o.entries[path].Notification, o.entries[path].Status = true, session.StatusScheduled
	if err := s.Deliver(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	if got := o.get(path).Status; got != session.StatusBlocked || len(c.sent) != 0 {
		t.Fatalf("held notification to a flagged consumer: status %q, %d sent; want blocked, none", got, len(c.sent))
	}
	const reply = "sessions/C1/transcript/000002"
	o.entries[reply] = &session.Entry{Author: session.FromAgent, Body: "Sure, cancelled.", Business: "+18005550100",
		Phone: "+15551230001", Status: session.StatusPending, At: time.Now()}
	if err := s.Deliver(context.Background(), reply); err != nil {
		t.Fatal(err)
	}
	if len(c.sent) != 1 {
		t.Fatalf("the agent's reply in the chat was not sent to the flagged consumer")
	}
}

// quietLine is a number whose sending hours, in UTC, exclude the present.
type quietLine struct{ q compliance.QuietHours }

func (l quietLine) Line(context.Context, string) (config.Line, error) {
	return config.Line{Number: config.Number{MPS: 1000, TimeZone: "UTC"}, Quiet: l.q}, nil
}

func hoursExcludingNow() compliance.QuietHours {
	now := time.Now().UTC()
	m := now.Hour()*60 + now.Minute()
	if m+180 < 24*60 {
		return compliance.QuietHours{Start: m + 120, End: m + 180}
	}
	return compliance.QuietHours{Start: m - 180, End: m - 120}
}

// TestANotificationHeldForQuietHoursHandsOnItsTimer: the timer that brings a held text back is
// a follow-up of the hold, recorded with it, so a crash right after cannot strand the text.
func TestANotificationHeldForQuietHoursHandsOnItsTimer(t *testing.T) {
	c := &scriptedCarrier{}
	s, o, _ := newSender(c)
	s.Lines = quietLine{hoursExcludingNow()}
	o.consumer = &session.Consumer{Business: "+18005550100", Phone: "+15551230001", TimeZone: "UTC"}
	o.entries[path].Notification = true
	if err := s.Deliver(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	e := o.get(path)
	if e.Status != session.StatusScheduled || len(c.sent) != 0 {
		t.Fatalf("status %q, %d sent; want scheduled, none", e.Status, len(c.sent))
	}
	recs := s.Followups.(*carried).records
	if len(recs) != 1 || !recs[0].Stored || len(recs[0].Timers) != 1 {
		t.Fatalf("follow-ups handed on: %+v; want one stored record with the send timer", recs)
	}
	if tm := recs[0].Timers[0]; tm.Kind != session.TimerSend || tm.SessionID != path || !tm.Due.Equal(e.NotBefore) {
		t.Errorf("timer %+v; want a send timer for %s at %s", tm, path, e.NotBefore)
	}
}

// TestAnAcceptedOneWayTextIsAnnouncedOnce: the carrier's acceptance of a one-way text carries
// its announcement (the CRM records the text) and its tally for the reports, stamped with the
// time of acceptance; later statuses announce and tally nothing more.
func TestAnAcceptedOneWayTextIsAnnouncedOnce(t *testing.T) {
	const msg = "consumers/+18005550100_+15551230001/messages/N1"
	c := &scriptedCarrier{}
	s, o, _ := newSender(c)
	s.Lines = quietLine{compliance.QuietHours{Start: 0, End: 24 * 60}}
	o.entries[msg] = &session.Entry{Body: "Your order shipped.", Business: "+18005550100", Phone: "+15551230001",
		Status: session.StatusPending, Notification: true, At: time.Now()}
	if err := s.Deliver(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	sid := o.get(msg).MessageSID
	if err := s.ApplyStatus(context.Background(), msg, sid, "delivered", 0); err != nil {
		t.Fatal(err)
	}
	var events []chatevents.Event
	var tallies []string
	for _, r := range s.Followups.(*carried).records {
		events = append(events, r.Events...)
		tallies = append(tallies, r.TallyTexts...)
	}
	if len(events) != 1 || events[0].Type != chatevents.Outbound || events[0].Message != msg {
		t.Fatalf("announced %+v; want one outbound event for %s", events, msg)
	}
	if len(tallies) != 1 || tallies[0] != msg {
		t.Errorf("text tallies %v; want %s once", tallies, msg)
	}
	if e := o.get(msg); e.AcceptedAt.IsZero() || e.AcceptedAt.Before(e.At) {
		t.Errorf("accepted at %v; want the time the carrier took it, after %v", e.AcceptedAt, e.At)
	}
}

func recheckTimers(s *Sender) []session.Timer {
	var out []session.Timer
	for _, r := range s.Followups.(*carried).records {
		if r.ID == "send-later" {
			out = append(out, r.Timers...)
		}
	}
	return out
}
