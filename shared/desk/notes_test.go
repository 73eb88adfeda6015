package desk

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// memNotes keeps notes and seen marks in memory.
type memNotes struct {
	notes map[string][]store.Note
	seen  map[string]int
}

func (m *memNotes) AddNote(_ context.Context, id string, n store.Note) (store.Note, error) {
	m.notes[id] = append(m.notes[id], n)
	return n, nil
}
func (m *memNotes) Notes(_ context.Context, id string) ([]store.Note, error) { return m.notes[id], nil }
func (m *memNotes) MarkSeen(_ context.Context, agentID, id string, seq int, _ time.Time) error {
	m.seen[agentID+"/"+id] = max(m.seen[agentID+"/"+id], seq)
	return nil
}
func (m *memNotes) Seen(_ context.Context, agentID string, ids []string) (map[string]int, error) {
	out := map[string]int{}
	for _, id := range ids {
		out[id] = m.seen[agentID+"/"+id]
	}
	return out, nil
}

// Notes are for whoever may read the chat (the agent who held it, its line's supervisor),
// never for another agent, and have a size.
func TestNotesFollowWhoMayReadTheChat(t *testing.T) {
	d, m, _ := newDesk()
	m.chat.LineOfBusiness = "retail"
	notes := &memNotes{notes: map[string][]store.Note{}}
	d.Notebook = notes
	ctx := context.Background()
	ana := routing.Agent{ID: "ana"}
	if n, err := d.AddNote(ctx, ana, "C1", "  wants a refund  "); err != nil || n.Body != "wants a refund" || n.AgentID != "ana" {
		t.Fatalf("AddNote = %+v, %v", n, err)
	}
	sup := routing.Agent{ID: "iris", Role: config.RoleSupervisor, ServesLines: []string{"retail"}}
	if _, err := d.AddNote(ctx, sup, "C1", "call back tomorrow"); err != nil {
		t.Fatalf("the line's supervisor adds a note: %v", err)
	}
	if got, err := d.Notes(ctx, sup, "C1"); err != nil || len(got) != 2 {
		t.Errorf("supervisor reads %d notes (%v), want 2", len(got), err)
	}
	luis := routing.Agent{ID: "luis"}
	if _, err := d.Notes(ctx, luis, "C1"); !errors.Is(err, ErrNotYourChat) {
		t.Errorf("another agent reads notes: %v, want ErrNotYourChat", err)
	}
	if _, err := d.AddNote(ctx, luis, "C1", "hi"); !errors.Is(err, ErrNotYourChat) {
		t.Errorf("another agent adds a note: %v, want ErrNotYourChat", err)
	}
	for _, body := range []string{" ", strings.Repeat("x", MaxNote+1)} {
		if _, err := d.AddNote(ctx, ana, "C1", body); !errors.Is(err, ErrInvalid) {
			t.Errorf("note of %d characters: %v, want ErrInvalid", len(body), err)
		}
	}
	if len(notes.notes["C1"]) != 2 {
		t.Errorf("stored notes = %+v", notes.notes["C1"])
	}
}

// Unread counts the consumer's lines after the last one the agent saw.
func TestUnreadCountsTheConsumersNewLines(t *testing.T) {
	d, _, _ := newDesk()
	marks := &memNotes{seen: map[string]int{}}
	d.Seen = marks
	ctx := context.Background()
	line := func(seq int, a session.Author) session.Entry { return session.Entry{Seq: seq, Author: a} }
	c := Chat{Session: session.Session{ID: "C1", Seq: 3}, Transcript: []session.Entry{
		line(1, session.FromConsumer), line(2, session.FromSystem), line(3, session.FromConsumer)}}
	if got, _ := d.Unread(ctx, "ana", []Chat{c}); got["C1"] != 2 {
		t.Errorf("never opened: %d unread, want 2", got["C1"])
	}
	if err := d.MarkSeen(ctx, "ana", c); err != nil {
		t.Fatal(err)
	}
	c.Transcript = append(c.Transcript, line(4, session.FromAgent), line(5, session.FromConsumer))
	c.Session.Seq = 5
	if got, _ := d.Unread(ctx, "ana", []Chat{c}); got["C1"] != 1 {
		t.Errorf("after seeing line 3: %d unread, want 1 (the agent's own line is not news)", got["C1"])
	}
	if got, _ := d.Unread(ctx, "luis", []Chat{c}); got["C1"] != 3 {
		t.Errorf("for another viewer: %d unread, want 3", got["C1"])
	}
}

func TestPredefinedVariablesAreWhatTheAgentFills(t *testing.T) {
	got := PredefinedVariables(config.Predefined{Text: "Hi, I'm {agent} from {brand} ({queue}); order {order}, {order} on {date}"})
	if strings.Join(got, ",") != "order,date" {
		t.Errorf("variables = %q, want order,date", got)
	}
}
