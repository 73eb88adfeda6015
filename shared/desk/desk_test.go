package desk

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// memDesk holds one chat and the agents; it makes changes as the store does, without keys.
type memDesk struct {
	Store  // the methods the tests do not use
	line   config.Line
	chat   session.Session
	agents map[string]routing.Agent
	keys   map[string]store.AgentApplied
}

func (m *memDesk) Session(context.Context, string) (session.Session, error) { return m.chat, nil }
func (m *memDesk) Line(context.Context, string) (config.Line, error)        { return m.line, nil }
func (m *memDesk) Agent(_ context.Context, id string) (routing.Agent, error) {
	a, ok := m.agents[id]
	if !ok {
		return a, store.ErrNotFound
	}
	return a, nil
}

func (m *memDesk) AppendByAgent(_ context.Context, ch store.AgentChange) (store.AgentApplied, error) {
	if prev, ok := m.keys[ch.Key]; ok && ch.Key != "" {
		prev.Replayed = true
		return prev, nil
	}
	a, err := ch.Decide(&m.chat, ch.Now)
	if err != nil {
		return store.AgentApplied{}, err
	}
	out := store.AgentApplied{Entries: a.Entries, Record: followup.Record{ID: "agent"}}
	for _, seq := range a.Send {
		out.Record.Send = append(out.Record.Send, a.Entries[slices.IndexFunc(a.Entries, func(e session.Entry) bool { return e.Seq == seq })].Body)
	}
	if ch.Then != nil {
		out.Record.Add(ch.Then(&m.chat))
	}
	if ch.Key != "" {
		m.keys[ch.Key] = out
	}
	return out, nil
}

func (m *memDesk) ChangeChat(_ context.Context, _, change string, decide func(session.Consumer, session.Session) (session.Outcome, followup.Followups, error)) (session.Outcome, followup.Record, error) {
	o, then, err := decide(session.Consumer{ActiveSession: m.chat.ID}, m.chat)
	if err != nil {
		return o, followup.Record{}, err
	}
	m.chat = *o.Session
	rec := followup.Record{ID: change}
	for _, e := range o.Entries {
		if e.Status == session.StatusPending {
			rec.Send = append(rec.Send, e.Kind)
		}
	}
	rec.Add(then)
	return o, rec, nil
}

func (m *memDesk) Transfer(_ context.Context, _, from, toAgent string, now time.Time,
	decide func(*session.Session, *routing.Agent) (session.Handover, error), then func(*session.Session) followup.Followups) (followup.Record, error) {
	var target *routing.Agent
	if toAgent != "" {
		a := m.agents[toAgent]
		target = &a
	}
	c := m.chat
	h, err := decide(&c, target)
	if err != nil {
		return followup.Record{}, err
	}
	m.chat = c
	rec := followup.Record{ID: "transfer"}
	for _, e := range h.Entries {
		if slices.Contains(h.Send, e.Seq) {
			rec.Send = append(rec.Send, e.Body)
		}
	}
	rec.Add(then(&m.chat))
	return rec, nil
}

// settled records the follow-ups the desk hands over.
type settled struct{ recs []followup.Record }

func (s *settled) Settle(_ context.Context, r followup.Record) { s.recs = append(s.recs, r) }

func (s *settled) AfterCommit(_ context.Context, r followup.Record) error {
	s.recs = append(s.recs, r)
	return nil
}

func newDesk() (*Desk, *memDesk, *settled) {
	n := config.Number{Number: "+18005550100", LineOfBusiness: "retail", EntryQueue: "menu", DefaultLanguage: "en", Brand: "Shop"}
	qs := []config.Queue{
		{ID: "menu", Name: "Menu", LineOfBusiness: "retail"},
		{ID: "billing", Name: "Billing", Parent: "menu", Order: 1, LineOfBusiness: "retail"},
		{ID: "tech", Name: "Tech", Parent: "menu", Order: 2, LineOfBusiness: "retail"},
	}
	m := &memDesk{line: config.NewLine(n, qs), keys: map[string]store.AgentApplied{},
		chat: session.Session{ID: "C1", Business: n.Number, State: session.Assigned, AgentID: "ana", QueueID: "billing", Language: "en", HeldBy: []string{"ana"}},
		agents: map[string]routing.Agent{
			"ana":  {ID: "ana", Name: "Ana", Status: routing.AgentAvailable, Capacity: 2, ServesQueues: []string{"billing"}},
			"luis": {ID: "luis", Name: "Luis", Status: routing.AgentAvailable, Capacity: 2, ServesQueues: []string{"billing"}},
			"olga": {ID: "olga", Name: "Olga", Status: routing.AgentOffline, Capacity: 2, ServesQueues: []string{"billing"}},
		}}
	s := &settled{}
	return &Desk{Store: m, Transfers: m, Followups: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, m, s
}

func TestAReplyIsSentAfterItsCommitAndARetryWithItsKeyAnswersTheSameReply(t *testing.T) {
	d, _, s := newDesk()
	ctx := context.Background()
	first, err := d.Reply(ctx, "ana", "C1", " Your refund is on its way ", "k1")
	if err != nil {
		t.Fatal(err)
	}
	if first.Entry.Body != "Your refund is on its way" || first.Replayed {
		t.Errorf("reply = %+v", first)
	}
	if len(s.recs) != 1 || !slices.Equal(s.recs[0].Send, []string{"Your refund is on its way"}) || len(s.recs[0].Timers) == 0 {
		t.Fatalf("follow-ups = %+v, want the reply to send and the chat's timers", s.recs)
	}
	again, err := d.Reply(ctx, "ana", "C1", "Your refund is on its way", "k1")
	if err != nil || !again.Replayed || again.Entry.Seq != first.Entry.Seq {
		t.Errorf("retry = %+v, %v; want the first reply again", again, err)
	}
	if _, err := d.Reply(ctx, "ana", "C1", "x", string(make([]byte, MaxKey+1))); !errors.Is(err, ErrInvalid) {
		t.Errorf("an over-long key = %v, want ErrInvalid", err)
	}
}

func TestEndingAChatAnnouncesItAndGivesTheAgentTheNextChat(t *testing.T) {
	d, m, s := newDesk()
	if err := d.End(context.Background(), "ana", "C1"); err != nil {
		t.Fatal(err)
	}
	if m.chat.State != session.Ended {
		t.Fatalf("chat is %s", m.chat.State)
	}
	rec := s.recs[0]
	if !slices.Equal(rec.Send, []string{"ended"}) || !slices.Equal(rec.Fill, []string{"ana"}) || len(rec.Events) != 1 || rec.Events[0].Type != chatevents.Ended {
		t.Errorf("follow-ups = %+v, want the ended message, the end announced and ana filled", rec)
	}
	if err := d.End(context.Background(), "ana", "C1"); !errors.Is(err, ErrChatEnded) {
		t.Errorf("ending it again = %v, want ErrChatEnded", err)
	}
}

func TestATransferToAQueueOffersTheChatThereAndFreesTheAgent(t *testing.T) {
	d, _, s := newDesk()
	if err := d.Transfer(context.Background(), "ana", "C1", TransferRequest{Queue: "tech"}); err != nil {
		t.Fatal(err)
	}
	rec := s.recs[0]
	if len(rec.Assign) != 1 || rec.Assign[0].QueueID != "tech" || !slices.Equal(rec.Fill, []string{"ana"}) {
		t.Errorf("follow-ups = %+v, want the chat offered in tech and ana filled", rec)
	}
}

func TestATransferToAnAgentNotifiesThem(t *testing.T) {
	d, _, s := newDesk()
	if err := d.Transfer(context.Background(), "ana", "C1", TransferRequest{Agent: "luis", Note: "refund"}); err != nil {
		t.Fatal(err)
	}
	n := s.recs[0].Notices
	if len(n) != 1 || n[0].To != "luis" || n[0].Type != store.EventTransferReceived || n[0].Note != "refund" {
		t.Errorf("notices = %+v", n)
	}
}

func TestARefusedTransferTellsTheAgentWhy(t *testing.T) {
	d, m, s := newDesk()
	err := d.Transfer(context.Background(), "ana", "C1", TransferRequest{Agent: "olga"})
	if !errors.Is(err, ErrTransferFailed) {
		t.Fatalf("Transfer = %v", err)
	}
	if m.chat.AgentID != "ana" {
		t.Error("a refused transfer moved the chat")
	}
	n := s.recs[0].Notices
	if len(n) != 1 || n[0].To != "ana" || n[0].Type != store.EventTransferFailed || n[0].Reason != "Olga is offline" {
		t.Errorf("notices = %+v", n)
	}
}

func (m *memDesk) SetAgentStatus(_ context.Context, id, status string, now time.Time, _ func(routing.Agent) reports.Counts) error {
	a := m.agents[id]
	a.Status, a.StatusAt = status, now
	m.agents[id] = a
	return nil
}

func TestGoingAvailableTakesWaitingChatsAndGoingAwayDoesNot(t *testing.T) {
	d, _, s := newDesk()
	ctx := context.Background()
	if a, err := d.SetStatus(ctx, "olga", routing.AgentAvailable); err != nil || a.Status != routing.AgentAvailable {
		t.Fatalf("olga available = %+v, %v", a, err)
	}
	if len(s.recs) != 1 || !slices.Equal(s.recs[0].Fill, []string{"olga"}) {
		t.Fatalf("follow-ups = %+v, want olga filled with waiting chats", s.recs)
	}
	if _, err := d.SetStatus(ctx, "olga", routing.AgentAway); err != nil {
		t.Fatal(err)
	}
	if len(s.recs) != 1 {
		t.Errorf("going away handed on %+v; want nothing more", s.recs[1:])
	}
	if _, err := d.SetStatus(ctx, "olga", "napping"); !errors.Is(err, ErrInvalid) {
		t.Errorf("an unknown status = %v, want ErrInvalid", err)
	}
}
