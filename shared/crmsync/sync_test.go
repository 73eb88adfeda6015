package crmsync_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/crmsync"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// memStore is a chat and its sync state in memory; it counts the transcript lines it reads.
type memStore struct {
	s         session.Session
	entries   []session.Entry
	st        crmsync.State
	linesRead int
}

func (m *memStore) Session(context.Context, string) (session.Session, error) { return m.s, nil }

func (m *memStore) TranscriptAfter(_ context.Context, _ string, after int) ([]session.Entry, error) {
	var out []session.Entry
	for _, e := range m.entries {
		if e.Seq > after {
			out = append(out, e)
		}
	}
	m.linesRead += max(len(out), 1) // a query that finds nothing is billed one read
	return out, nil
}

func (m *memStore) Entry(context.Context, string) (session.Entry, error) {
	return session.Entry{}, store.ErrNotFound
}
func (m *memStore) CRMState(context.Context, string) (crmsync.State, error) { return m.st, nil }
func (m *memStore) SaveCRMState(_ context.Context, _ string, st crmsync.State) error {
	m.st = st
	return nil
}
func (m *memStore) AddAgentEvent(context.Context, string, store.AgentEvent) error { return nil }

// add appends a line to the chat as the session's writers do, counting it.
func (m *memStore) add(e session.Entry) {
	m.s.Seq++
	e.Seq = m.s.Seq
	m.s.Count(e)
	m.entries = append(m.entries, e)
}

// memCRM has one contact and keeps the events posted on it.
type memCRM struct{ posted []crm.Event }

func (c *memCRM) FindContacts(context.Context, string) ([]crm.Contact, error) {
	return []crm.Contact{{ID: "ct1"}}, nil
}
func (c *memCRM) CreateContact(context.Context, crm.Contact) (crm.Contact, error) {
	return crm.Contact{ID: "ct1"}, nil
}
func (c *memCRM) Post(_ context.Context, _ string, e crm.Event) error {
	if !slices.ContainsFunc(c.posted, func(p crm.Event) bool { return p.ID == e.ID }) {
		c.posted = append(c.posted, e)
	}
	return nil
}

type oneCRM struct{ c crm.CRM }

func (o oneCRM) For(context.Context, string) (string, crm.CRM, error) { return "builtin", o.c, nil }

// TestASyncReadsOnlyTheLinesItPosts: a chat event reads no transcript when no transfer line
// or consumer attachment came since the last sync, and only the lines after it when one did;
// each such line still reaches the CRM at its own event, the consumer's messages are counted
// on every event, and the chat's end posts the whole transcript.
func TestASyncReadsOnlyTheLinesItPosts(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	m := &memStore{s: session.Session{ID: "C1", Phone: "+15551230000", Language: "en", QueueID: "tech", State: session.Queued, CreatedAt: at}}
	c := &memCRM{}
	y := &crmsync.Syncer{Store: m, Adapters: oneCRM{c}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	sync := func(typ string) {
		t.Helper()
		if err := y.Handle(ctx, chatevents.Event{Type: typ, SessionID: "C1"}); err != nil {
			t.Fatal(err)
		}
	}
	m.add(session.Entry{Author: session.FromConsumer, Body: "hi", At: at})
	m.add(session.Entry{Author: session.FromSystem, Kind: "consent", Body: "Reply STOP to opt out", At: at})
	m.add(session.Entry{Author: session.FromSystem, Kind: "wait", Body: "You are first in line", At: at})
	m.s.State, m.s.AgentID, m.s.AssignedAt = session.Assigned, "ana", at.Add(time.Minute)
	m.s.Legs = []session.AgentLeg{{AgentID: "ana", Start: m.s.AssignedAt}}
	m.add(session.Entry{Author: session.FromSystem, Kind: "assigned", AgentID: "ana", Body: "Ana will help you", At: m.s.AssignedAt})

	sync(chatevents.Connected)
	if m.linesRead != 0 {
		t.Errorf("the connected event read %d transcript lines, want none: no line of its own came", m.linesRead)
	}
	if len(c.posted) != 1 || c.posted[0].Type != crm.EventChatConnected || c.posted[0].Text != "connected to agent ana in queue tech" || c.posted[0].ConsumerMessages != 1 {
		t.Fatalf("posted %+v, want the connection to ana with 1 consumer message", c.posted)
	}

	m.add(session.Entry{Author: session.FromAgent, AgentID: "ana", Body: "How can I help?", At: at.Add(2 * time.Minute)})
	m.add(session.Entry{Author: session.FromConsumer, Body: "this part", Media: []session.Media{{URL: "https://carrier.example/m1", ContentType: "image/png"}}, At: at.Add(3 * time.Minute)})
	sync(chatevents.Media)
	if m.linesRead != 2 {
		t.Errorf("the media event read %d lines, want the 2 after the last sync", m.linesRead)
	}
	if len(c.posted) != 2 || c.posted[1].Type != crm.EventMedia || c.posted[1].ConsumerMessages != 2 || c.posted[1].Media[0] != "https://carrier.example/m1" {
		t.Fatalf("posted %+v, want the media with the consumer's 2 messages", c.posted)
	}
	sync(chatevents.Media) // a redelivery
	if m.linesRead != 2 || len(c.posted) != 2 {
		t.Errorf("a redelivered event read %d lines in all and posted %d events, want 2 and 2", m.linesRead, len(c.posted))
	}

	m.s.State, m.s.EndedAt, m.s.EndReason = session.Ended, at.Add(5*time.Minute), session.EndAgent
	sync(chatevents.Ended)
	if got := []string{c.posted[2].Type, c.posted[3].Type}; len(c.posted) != 4 || !slices.Equal(got, []string{crm.EventChatEnded, crm.EventTranscript}) {
		t.Fatalf("posted %+v, want the end and the transcript", c.posted)
	}
	if n := len(c.posted[3].Transcript); n != 6 {
		t.Errorf("the transcript has %d lines, want all 6", n)
	}
}
