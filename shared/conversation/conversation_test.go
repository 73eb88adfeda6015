package conversation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ewt"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/wire"
)

// memStore applies texts to consumers and chats it holds, as the Firestore store does in a
// transaction: receipts make a redelivered text a duplicate, pending records stay until done.
type memStore struct {
	mu        sync.Mutex
	line      config.Line
	consumers map[string]session.Consumer
	chats     map[string]*session.Session
	receipts  map[string]followup.Record
	pending   map[string]bool
}

func newStore() *memStore {
	n := config.Number{Number: "+18005550100", LineOfBusiness: "retail", EntryQueue: "menu", DefaultLanguage: "en", Brand: "Shop"}
	qs := []config.Queue{
		{ID: "menu", Name: "Menu", LineOfBusiness: "retail"},
		{ID: "billing", Name: "Billing", Parent: "menu", Order: 1, Keywords: []string{"BILLING"}, LineOfBusiness: "retail"},
		{ID: "tech", Name: "Tech", Parent: "menu", Order: 2, Keywords: []string{"TECH"}, LineOfBusiness: "retail"},
	}
	return &memStore{line: config.NewLine(n, qs), consumers: map[string]session.Consumer{}, chats: map[string]*session.Session{},
		receipts: map[string]followup.Record{}, pending: map[string]bool{}}
}

func (m *memStore) Line(context.Context, string) (config.Line, error) { return m.line, nil }

func (m *memStore) ApplyInbound(_ context.Context, in session.Inbound, decide func(session.Consumer, *session.Session) (session.Outcome, followup.Followups)) (session.Applied, followup.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if rec, ok := m.receipts[in.MessageSID]; ok {
		rec.Stored = m.pending[rec.ID]
		if !rec.Stored {
			rec.Followups = followup.Followups{}
		}
		return session.Applied{Duplicate: true}, rec, nil
	}
	id := session.ConsumerID(in.Business, in.Phone)
	c, ok := m.consumers[id]
	if !ok {
		c = session.Consumer{Business: in.Business, Phone: in.Phone}
	}
	var cur *session.Session
	if c.ActiveSession != "" {
		s := *m.chats[c.ActiveSession]
		cur = &s
	}
	o, then := decide(c, cur)
	m.consumers[id] = o.Consumer
	rec := followup.Record{ID: "in-" + in.MessageSID}
	if o.Session != nil {
		s := *o.Session
		m.chats[s.ID] = &s
		rec.SessionID = s.ID
	}
	for _, e := range o.Entries {
		if e.Outbound() && e.Status == session.StatusPending {
			rec.Send = append(rec.Send, e.Kind)
		}
	}
	rec.Add(then)
	rec.Stored = rec.Durable()
	m.pending[rec.ID] = rec.Stored
	m.receipts[in.MessageSID] = rec
	return session.Applied{Outcome: o, Outbox: rec.Send}, rec, nil
}

// executor records what it is handed and marks records done unless told to fail.
type executor struct {
	store *memStore
	runs  []followup.Record
	err   error
}

func (x *executor) AfterCommit(_ context.Context, r followup.Record) error {
	x.runs = append(x.runs, r)
	if x.err != nil {
		return x.err
	}
	x.store.mu.Lock()
	delete(x.store.pending, r.ID)
	x.store.mu.Unlock()
	return nil
}

func newService() (*Service, *memStore, *executor) {
	m := newStore()
	x := &executor{store: m}
	return &Service{Store: m, Followups: x, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, m, x
}

var seq int

func textIn(body string) wire.InboundText {
	seq++
	return wire.InboundText{MessageSID: fmt.Sprintf("SM%032d", seq), From: "+15551230001", To: "+18005550100", Body: body, ReceivedAt: time.Now()}
}

func TestAFirstTextLeavesItsConsentAndMenuToSend(t *testing.T) {
	s, _, x := newService()
	if err := s.Handle(context.Background(), textIn("hi")); err != nil {
		t.Fatal(err)
	}
	if len(x.runs) != 1 {
		t.Fatalf("follow-ups carried out %d times, want once", len(x.runs))
	}
	if got := x.runs[0].Send; !slices.Equal(got, []string{"consent", "menu"}) {
		t.Errorf("sends = %q, want the consent, then the menu", got)
	}
	if !x.runs[0].Stored {
		t.Error("texts to send are not recorded in the outbox")
	}
}

func TestAChatEnteringAQueueIsOfferedToAgents(t *testing.T) {
	s, m, x := newService()
	ctx := context.Background()
	for _, b := range []string{"hi", "1"} {
		if err := s.Handle(ctx, textIn(b)); err != nil {
			t.Fatal(err)
		}
	}
	last := x.runs[len(x.runs)-1]
	if len(last.Assign) != 1 || last.Assign[0].QueueID != "billing" {
		t.Fatalf("assignments = %+v, want the chat offered in billing", last.Assign)
	}
	if c := m.chats[last.SessionID]; c.State != session.Queued {
		t.Errorf("chat is %s", c.State)
	}
}

func TestStopInAnAgentsChatAnnouncesTheEndAndFreesTheAgent(t *testing.T) {
	s, m, x := newService()
	ctx := context.Background()
	for _, b := range []string{"hi", "1"} {
		if err := s.Handle(ctx, textIn(b)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range m.chats {
		c.State, c.AgentID = session.Assigned, "ana"
	}
	if err := s.Handle(ctx, textIn("STOP")); err != nil {
		t.Fatal(err)
	}
	last := x.runs[len(x.runs)-1]
	if !slices.ContainsFunc(last.Events, func(e chatevents.Event) bool { return e.Type == chatevents.Ended }) {
		t.Errorf("events = %+v, want the chat's end", last.Events)
	}
	if !slices.Equal(last.Fill, []string{"ana"}) {
		t.Errorf("fill = %q, want ana given the next chat", last.Fill)
	}
}

func TestFollowupsThatFailAreRetriedByTheRedeliveredText(t *testing.T) {
	s, m, x := newService()
	ctx := context.Background()
	in := textIn("hi")
	x.err = errors.New("publish to sms-outbound: deadline exceeded")
	if err := s.Handle(ctx, in); err == nil {
		t.Fatal("Handle = nil with its replies unsent; Pub/Sub would not deliver the text again")
	}
	x.err = nil
	if err := s.Handle(ctx, in); err != nil {
		t.Fatal(err)
	}
	if len(x.runs) != 2 || !slices.Equal(x.runs[1].Send, []string{"consent", "menu"}) {
		t.Fatalf("redelivery carried out %+v, want the same replies again", x.runs)
	}
	// Done now: a third delivery does nothing more.
	if err := s.Handle(ctx, in); err != nil || len(x.runs) != 2 {
		t.Errorf("third delivery: %v, %d runs", err, len(x.runs))
	}
	if len(m.chats) != 1 {
		t.Errorf("%d chats, want one", len(m.chats))
	}
}

func TestAPossibleOptOutIsShownToTheChatsAgent(t *testing.T) {
	at := time.Now()
	in := session.Inbound{At: at}
	o := session.Outcome{Flagged: true, Session: &session.Session{ID: "C1", AgentID: "ana", State: session.Assigned,
		OptOutFlag: &session.OptOutFlag{Wording: "stop texting"}}}
	f := TextFollowups(in, o)
	if len(f.Notices) != 1 || f.Notices[0].To != "ana" || f.Notices[0].Reason != "stop texting" {
		t.Errorf("notices = %+v", f.Notices)
	}
}

func TestAReminderTellsTheAgentAndTheQueuesSupervisors(t *testing.T) {
	now := time.Now()
	f := TimerFollowups(session.Fired{Remind: true, Outcome: session.Outcome{Session: &session.Session{ID: "C1", AgentID: "ana", QueueID: "billing", State: session.Assigned}}}, now)
	if len(f.Notices) != 1 || f.Notices[0].To != "ana" || f.Notices[0].SupervisorsOf != "billing" || f.Notices[0].Type != "reply_due" {
		t.Errorf("notices = %+v", f.Notices)
	}
	ended := TimerFollowups(session.Fired{Outcome: session.Outcome{FreedAgent: "ana", Session: &session.Session{ID: "C1", State: session.Ended}}}, now)
	if len(ended.Events) != 1 || ended.Events[0].Type != chatevents.Ended || !slices.Equal(ended.Fill, []string{"ana"}) {
		t.Errorf("an ended chat's follow-ups = %+v", ended)
	}
}

func TestALapsedOfferPassesTheChatOnOnceAndTellsTheAgent(t *testing.T) {
	now := time.Now()
	cs := &session.Session{ID: "C1", QueueID: "billing", State: session.Queued, MissedBy: []string{"ana"}}
	missed := &session.MissedOffer{AgentID: "ana", SessionID: "C1", QueueID: "billing", At: now, Reason: session.MissTimeout}
	f := TimerFollowups(session.Fired{Outcome: session.Outcome{Session: cs, Queued: true, Missed: missed}}, now)
	if len(f.Assign) != 1 || f.Assign[0].SessionID != "C1" {
		t.Errorf("assign = %+v, want the chat offered to the next agent once", f.Assign)
	}
	if !slices.Equal(f.Fill, []string{"ana"}) {
		t.Errorf("fill = %q, want ana's freed offer slot filled", f.Fill)
	}
	if len(f.Notices) != 1 || f.Notices[0].To != "ana" || f.Notices[0].Type != "offer_missed" {
		t.Errorf("notices = %+v, want ana told her offer lapsed", f.Notices)
	}
	ended := TimerFollowups(session.Fired{Outcome: session.Outcome{Withdrawn: "ana", Session: &session.Session{ID: "C1", State: session.Ended}}}, now)
	if !slices.Equal(ended.Fill, []string{"ana"}) {
		t.Errorf("a chat that ended while offered fills %q, want ana's slot", ended.Fill)
	}
}

// countingEstimates counts the reads of the line's state.
type countingEstimates struct{ loads int }

func (c *countingEstimates) LoadLine(context.Context, string, time.Time) (ewt.Line, error) {
	c.loads++
	return ewt.Line{}, nil
}

// The line's state is read for the text that puts the chat in a queue (its wait message
// gives the place in line), and not for the texts of a chat already waiting, whose reads
// would grow with the line's agents and chats.
func TestOnlyATextJoiningAQueueReadsTheLinesState(t *testing.T) {
	s, m, x := newService()
	est := &countingEstimates{}
	s.Estimates = est
	ctx := context.Background()
	for _, b := range []string{"hi", "1"} {
		if err := s.Handle(ctx, textIn(b)); err != nil {
			t.Fatal(err)
		}
	}
	if est.loads != 1 {
		t.Fatalf("line state read %d times by the first text and the menu choice, want once (the choice)", est.loads)
	}
	last := x.runs[len(x.runs)-1]
	if c := m.chats[last.SessionID]; c.State != session.Queued {
		t.Fatalf("chat is %s, want queued", c.State)
	}
	// "1" again picks a leaf queue from the menu (the line may queue on it), but the chat waits already.
	for _, b := range []string{"1", "are you there?"} {
		if err := s.Handle(ctx, textIn(b)); err != nil {
			t.Fatal(err)
		}
	}
	if est.loads != 1 {
		t.Errorf("line state read %d times, want no read for the texts of a waiting chat", est.loads)
	}
}

// timerStore holds one chat for timers and counts the transactions they run.
type timerStore struct {
	chat    session.Session
	applied int
}

func (ts *timerStore) Session(context.Context, string) (session.Session, error) { return ts.chat, nil }
func (ts *timerStore) ApplyTimer(_ context.Context, t session.Timer, fire func(session.Consumer, session.Session) (session.Fired, followup.Followups)) (session.Fired, followup.Record, error) {
	ts.applied++
	f, then := fire(session.Consumer{Business: ts.chat.Business, Phone: ts.chat.Phone}, ts.chat)
	if f.Session != nil {
		ts.chat = *f.Session
	}
	rec := followup.Record{ID: "timer", SessionID: ts.chat.ID}
	rec.Add(then)
	return f, rec, nil
}
func (ts *timerStore) DueChats(context.Context, time.Time, int) ([]session.Session, error) {
	return nil, nil
}

// TestAStaleTimerEndsAtItsFirstRead: a timer of an ended chat, or of a deadline that moved
// since, does nothing and runs no transaction; a current one fires in one, whatever the
// generation it was planned in (the expiration's, planned once when the chat began).
func TestAStaleTimerEndsAtItsFirstRead(t *testing.T) {
	s, _, x := newService()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	warn, expire := t0.Add(10*time.Minute), t0.Add(24*time.Hour)
	ts := &timerStore{chat: session.Session{ID: "C1", Business: "+18005550100", Phone: "+15551230001", State: session.Assigned, AgentID: "ana",
		Generation: 3, Deadlines: map[string]time.Time{session.TimerInactivityWarn: warn, session.TimerExpire: expire}}}
	s.TimerStore = ts
	ctx := context.Background()
	for _, tm := range []session.Timer{
		{SessionID: "C1", Kind: session.TimerInactivityWarn, Generation: 2, Due: warn.Add(-time.Minute)}, // moved on since
		{SessionID: "C1", Kind: session.TimerExpire, Generation: 1, Due: expire},                         // current
		{SessionID: "C1", Kind: session.TimerExpire, Generation: 1, Due: expire},                         // the same, delivered again after the chat ended
	} {
		if err := s.Fire(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	if ts.applied != 1 || ts.chat.State != session.Ended {
		t.Errorf("timers ran %d transactions and left the chat %s; want 1, the current timer's, and the chat ended", ts.applied, ts.chat.State)
	}
	if len(x.runs) != 1 {
		t.Errorf("%d follow-ups carried out, want the expiry's only", len(x.runs))
	}
}
