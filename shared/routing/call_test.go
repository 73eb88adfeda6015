package routing

import (
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TestTakeCall: a chat awaiting its call goes to the agent who answered, whatever their status
// and load (they are on the phone with the caller), keeping its start type; a queued chat,
// one already given, an ended one or a disabled agent change nothing.
func TestTakeCall(t *testing.T) {
	line := config.NewLine(config.Number{Number: "+18005550100", EntryQueue: "tech", DefaultLanguage: "en"}, []config.Queue{{ID: "tech", Name: "Tech"}})
	now := time.Now()
	awaiting := func() *session.Session {
		s := &session.Session{ID: "Ocall", StartType: session.StartWaitSMS, Language: "en"}
		s.AwaitCall("tech", 0, now.Add(-time.Minute))
		return s
	}
	busy := Agent{ID: "carl", Name: "Carl", Status: AgentBusy, Capacity: 1, ActiveChats: 1}
	s := awaiting()
	e, then, ok := TakeCall(line, s, busy, now)
	if !ok || s.State != session.Assigned || s.AgentID != "carl" || s.StartType != session.StartWaitSMS {
		t.Fatalf("awaiting chat to the answering agent: ok=%v %+v", ok, s)
	}
	if e.Kind != "assigned" || len(then.Events) != 1 {
		t.Errorf("the caller is not told who took the chat, or the CRM not told it connected: %+v %+v", e, then)
	}
	if n := len(s.Visits); n != 1 || s.Visits[0].How != session.LeftAnswered || s.Visits[0].AgentID != "carl" {
		t.Errorf("the wait is not recorded as answered by carl: %+v", s.Visits)
	}
	if _, _, ok := TakeCall(line, s, Agent{ID: "ana", Status: AgentAvailable, Capacity: 2}, now); ok || s.AgentID != "carl" {
		t.Errorf("a chat already given went to another agent: %+v", s)
	}
	queued := &session.Session{ID: "C1"}
	queued.EnterQueue("tech", 0, now)
	ended := awaiting()
	ended.State = session.Ended
	for name, c := range map[string]*session.Session{"queued": queued, "ended": ended} {
		if _, _, ok := TakeCall(line, c, busy, now); ok {
			t.Errorf("%s chat taken with a call", name)
		}
	}
	if _, _, ok := TakeCall(line, awaiting(), Agent{ID: "dan", Disabled: true}, now); ok {
		t.Errorf("a disabled agent took a call's chat")
	}
}
