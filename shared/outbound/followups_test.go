package outbound

import (
	"slices"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

func TestANotificationIsSentNowOrReleasedAtItsTime(t *testing.T) {
	now := Notified("consumers/x/messages/N1", session.Entry{Status: session.StatusPending})
	if !slices.Equal(now.Send, []string{"consumers/x/messages/N1"}) || len(now.Timers) != 0 {
		t.Errorf("a text for now: %+v", now)
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	later := Notified("consumers/x/messages/N2", session.Entry{Status: session.StatusScheduled, NotBefore: at})
	if len(later.Send) != 0 || len(later.Timers) != 1 || later.Timers[0].Kind != session.TimerSend || !later.Timers[0].Due.Equal(at) {
		t.Errorf("a held text: %+v", later)
	}
	if !later.Durable() {
		t.Error("a held text's release is not kept in the outbox")
	}
}

func TestAChatOpenedForAQueueIsOfferedToItsAgents(t *testing.T) {
	line := config.NewLine(config.Number{Number: "+18005550100", DefaultLanguage: "en"}, nil)
	now := time.Now()
	cs := &session.Session{ID: "O1", State: session.Queued, QueueID: "billing", Language: "en"}
	f := Opened(line, cs, now)
	if len(f.Assign) != 1 || f.Assign[0].SessionID != "O1" || f.Assign[0].QueueID != "billing" {
		t.Errorf("assign = %+v", f.Assign)
	}
	if !slices.Contains(f.Events, chatevents.Event{Type: chatevents.Outbound, SessionID: "O1"}) {
		t.Errorf("events = %+v", f.Events)
	}
	if !cs.LastAgentAt.Equal(now) {
		t.Error("the chat's timers do not count from the business's first message")
	}
	owned := Opened(line, &session.Session{ID: "O2", State: session.Assigned, AgentID: "ana"}, now)
	if len(owned.Assign) != 0 {
		t.Errorf("a chat opened for an agent was offered to others: %+v", owned.Assign)
	}
}
