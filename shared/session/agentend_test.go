package session

import (
	"errors"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

func TestAnAgentEndsTheirChat(t *testing.T) {
	line := config.NewLine(config.Number{Number: "+18005550100", DefaultLanguage: "en"}, nil)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s := Session{ID: "C1", Business: "+18005550100", Phone: "+15551230001", State: Assigned, AgentID: "ana", Seq: 4, Language: "en",
		Generation: 3, Deadlines: map[string]time.Time{TimerExpire: now.Add(time.Hour)}}
	c := Consumer{Business: s.Business, Phone: s.Phone, ActiveSession: "C1"}
	o, err := EndByAgent(line, c, s, "ana", now)
	if err != nil {
		t.Fatal(err)
	}
	if o.Session.State != Ended || o.Session.EndReason != EndAgent || !o.Session.EndedAt.Equal(now) {
		t.Errorf("chat = %s (%s) at %v", o.Session.State, o.Session.EndReason, o.Session.EndedAt)
	}
	if o.FreedAgent != "ana" || o.Consumer.ActiveSession != "" {
		t.Errorf("freed %q, consumer's chat %q", o.FreedAgent, o.Consumer.ActiveSession)
	}
	if len(o.Entries) != 1 || o.Entries[0].Kind != "ended" || o.Entries[0].Seq != 5 || o.Entries[0].Status != StatusPending {
		t.Errorf("entries = %+v, want the ended message to send", o.Entries)
	}
	if len(o.Session.Deadlines) != 0 || o.Session.Generation == 3 {
		t.Errorf("an ended chat keeps its deadlines: %v (generation %d)", o.Session.Deadlines, o.Session.Generation)
	}
	if _, err := EndByAgent(line, c, s, "luis", now); !errors.Is(err, ErrNotHeld) {
		t.Errorf("another agent ending it = %v", err)
	}
	if _, err := EndByAgent(line, c, *o.Session, "ana", now); !errors.Is(err, ErrEnded) {
		t.Errorf("ending it twice = %v", err)
	}
	other := c
	other.ActiveSession = "C2"
	if o, _ := EndByAgent(line, other, s, "ana", now); o.Consumer.ActiveSession != "C2" {
		t.Errorf("the consumer's other chat was cleared")
	}
}

func TestATransferChangesHandsOrGoesBackToWaiting(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s := Session{ID: "C1", State: Assigned, AgentID: "ana", QueueID: "billing"}
	s.TransferToAgent("ana", "luis", now)
	if s.AgentID != "luis" || !s.AssignedAt.Equal(now) || !s.Held("ana") || !s.Held("luis") || s.State != Assigned {
		t.Errorf("after a transfer to luis: %+v", s)
	}
	s.TransferToQueue("luis", "vip", 5, now)
	if s.State != Queued || s.AgentID != "" || s.QueueID != "vip" || s.Priority != 5 || !s.QueuedAt.Equal(now) || !s.Held("luis") {
		t.Errorf("after a transfer to vip: %+v", s)
	}
}
