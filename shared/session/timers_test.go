package session

import (
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

func timerLine() config.Line {
	return config.NewLine(
		config.Number{Number: "+18005550100", LineOfBusiness: "r", EntryQueue: "q", DefaultLanguage: "en", Brand: "Acme",
			Timeouts: &config.Timeouts{InactivityWarn: "2m", Expiration: "1h"}},
		[]config.Queue{
			{ID: "q", Name: "Queue", LineOfBusiness: "r", Overflow: "overflow", Timeouts: &config.Timeouts{QueueWait: "5m"}},
			{ID: "overflow", Name: "Overflow", LineOfBusiness: "r"},
		})
}

func kinds(ts []Timer) map[string]time.Time {
	out := map[string]time.Time{}
	for _, t := range ts {
		out[t.Kind] = t.Due
	}
	return out
}

func TestTimersFollowWhoIsWaitedOn(t *testing.T) {
	line := timerLine()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	o := Handle(line, Consumer{Business: "+18005550100", Phone: "+1555"}, nil, Inbound{MessageSID: "SM1", Body: "hi", At: t0})
	s := *o.Session
	got := kinds(o.Timers)
	if s.State != Queued || !got[TimerQueueWait].Equal(t0.Add(5*time.Minute)) || !got[TimerExpire].Equal(t0.Add(time.Hour)) || len(got) != 2 {
		t.Fatalf("queued chat timers = %v (gen %d)", got, s.Generation)
	}
	// Assigned, nobody has spoken since: the agent owes a reply (default 3m).
	s.State, s.AgentID, s.AssignedAt = Assigned, "ana", t0.Add(time.Minute)
	ts := Plan(line, &s)
	if due := kinds(ts)[TimerReplyDue]; !due.Equal(t0.Add(4*time.Minute)) || s.Generation != 2 {
		t.Fatalf("assigned timers = %v gen %d", kinds(ts), s.Generation)
	}
	// The agent answers: now the consumer is waited on (2m from the number's timeouts).
	s.LastAgentAt = t0.Add(2 * time.Minute)
	if due := kinds(Plan(line, &s))[TimerInactivityWarn]; !due.Equal(t0.Add(4 * time.Minute)) {
		t.Errorf("after the agent spoke: %v", s.Deadlines)
	}
	if Plan(line, &s) != nil {
		t.Error("planning again without a change made new timers")
	}
}

// TestAChatsExpirationIsOneTimerForItsLife: the expiration, fixed when the chat begins, is
// planned once; the chat's later changes plan only the deadlines that moved (a chat of nine
// messages made ten expiration tasks, half of its Cloud Tasks), and the first expiration
// timer, planned generations ago, still ends the chat when it comes.
func TestAChatsExpirationIsOneTimerForItsLife(t *testing.T) {
	line := timerLine()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	o := Handle(line, Consumer{Business: "+18005550100", Phone: "+1555"}, nil, Inbound{MessageSID: "SM1", Body: "hi", At: t0})
	s := *o.Session
	var expire Timer
	for _, tm := range o.Timers {
		if tm.Kind == TimerExpire {
			expire = tm
		}
	}
	if expire.Kind == "" {
		t.Fatalf("no expiration planned for a new chat: %v", kinds(o.Timers))
	}
	s.State, s.AgentID, s.AssignedAt = Assigned, "ana", t0.Add(time.Minute)
	planned := Plan(line, &s)
	s.LastAgentAt = t0.Add(2 * time.Minute)
	planned = append(planned, Plan(line, &s)...)
	s.LastConsumerAt, s.LastAgentAt = t0.Add(3*time.Minute), t0.Add(4*time.Minute)
	planned = append(planned, Plan(line, &s)...)
	if _, again := kinds(planned)[TimerExpire]; again || len(planned) != 3 {
		t.Errorf("three changes planned %v; want the reply and inactivity deadlines that moved, not the expiration again", kinds(planned))
	}
	f := Fire(line, Consumer{ActiveSession: s.ID}, s, expire, t0.Add(time.Hour))
	if f.Stale || f.Session.State != Ended || f.Session.EndReason != EndExpired {
		t.Errorf("the expiration planned at generation %d, fired at %d: %+v; want the chat expired", expire.Generation, s.Generation, f)
	}
}

func TestFireWarnsThenEndsAndStaleTimersDoNothing(t *testing.T) {
	line := timerLine()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s := Session{ID: "C1", State: Assigned, AgentID: "ana", QueueID: "q", Language: "en", CreatedAt: t0, AssignedAt: t0, LastAgentAt: t0.Add(time.Second)}
	ts := Plan(line, &s)
	warn := Timer{SessionID: "C1", Kind: TimerInactivityWarn, Generation: s.Generation, Due: s.Deadlines[TimerInactivityWarn]}
	if _, ok := kinds(ts)[TimerInactivityWarn]; !ok {
		t.Fatalf("no warn timer: %v", kinds(ts))
	}
	f := Fire(line, Consumer{}, s, warn, t0.Add(3*time.Minute))
	if f.Stale || len(f.Entries) != 1 || f.Entries[0].Kind != "inactive" {
		t.Fatalf("warn fired: %+v", f)
	}
	s = *f.Session
	if again := Fire(line, Consumer{}, s, warn, t0.Add(4*time.Minute)); !again.Stale {
		t.Error("the same warn timer fired twice")
	}
	end := Timer{SessionID: "C1", Kind: TimerInactivityEnd, Generation: s.Generation, Due: s.Deadlines[TimerInactivityEnd]}
	f = Fire(line, Consumer{ActiveSession: "C1"}, s, end, t0.Add(9*time.Minute))
	if f.Session.State != Ended || f.Session.EndReason != EndInactive || f.FreedAgent != "ana" || f.Entries[0].Kind != "timeout" {
		t.Fatalf("end fired: %+v", f)
	}
}

func TestQueueWaitOverflows(t *testing.T) {
	line := timerLine()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s := Session{ID: "C1", State: Queued, QueueID: "q", Language: "en", CreatedAt: t0, QueuedAt: t0}
	Plan(line, &s)
	f := Fire(line, Consumer{}, s, Timer{SessionID: "C1", Kind: TimerQueueWait, Generation: s.Generation, Due: s.Deadlines[TimerQueueWait]}, t0.Add(5*time.Minute))
	if !f.Queued || f.Session.QueueID != "overflow" || f.Entries[0].Kind != "transfer" {
		t.Errorf("overflow: %+v", f)
	}
}

// TestEveryTimerThatActedIsStaleWhenDeliveredAgain: Cloud Tasks delivers at least once, and a
// timer tells it is stale by its kind's deadline, so acting must clear or move that deadline
// for every kind, an overflow into a queue of the same wait included.
func TestEveryTimerThatActedIsStaleWhenDeliveredAgain(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	line := config.NewLine(
		config.Number{Number: "+18005550100", LineOfBusiness: "r", EntryQueue: "q", DefaultLanguage: "en", Brand: "Acme",
			Timeouts: &config.Timeouts{InactivityWarn: "2m", Expiration: "1h", StillWaiting: "1m"}},
		[]config.Queue{
			{ID: "q", Name: "Queue", LineOfBusiness: "r", Overflow: "more", Timeouts: &config.Timeouts{QueueWait: "5m"}},
			{ID: "more", Name: "More", LineOfBusiness: "r", WaitTimeoutStays: true, Timeouts: &config.Timeouts{QueueWait: "5m"}},
		})
	queued := Session{ID: "C1", State: Queued, QueueID: "q", Language: "en", CreatedAt: t0, QueuedAt: t0}
	assigned := Session{ID: "C1", State: Assigned, AgentID: "ana", QueueID: "q", Language: "en", CreatedAt: t0, AssignedAt: t0}
	spoke := assigned
	spoke.LastAgentAt = t0.Add(time.Second)
	for _, c := range []struct {
		kind string
		s    Session
	}{
		{TimerQueueWait, queued},
		{TimerStillWaiting, queued},
		{TimerReplyDue, assigned},
		{TimerInactivityWarn, spoke},
	} {
		s := c.s
		Plan(line, &s)
		due, ok := s.Deadlines[c.kind]
		if !ok {
			t.Fatalf("%s: not planned on %+v", c.kind, s.Deadlines)
		}
		tm := Timer{SessionID: "C1", Kind: c.kind, Generation: s.Generation, Due: due}
		f := Fire(line, Consumer{ActiveSession: "C1"}, s, tm, due)
		if f.Stale || f.Session == nil {
			t.Fatalf("%s: the first delivery did nothing", c.kind)
		}
		if again := Fire(line, Consumer{ActiveSession: "C1"}, *f.Session, tm, due.Add(time.Second)); !again.Stale {
			t.Errorf("%s: delivered again, it acted again: %+v", c.kind, again.Outcome)
		}
	}
	// The overflow's queue waits as long: its own wait is timed from the overflow, not again
	// from the chat's first queueing.
	s := queued
	Plan(line, &s)
	first := Fire(line, Consumer{}, s, Timer{SessionID: "C1", Kind: TimerQueueWait, Due: s.Deadlines[TimerQueueWait]}, t0.Add(5*time.Minute))
	if got := first.Session.Deadlines[TimerQueueWait]; !got.Equal(t0.Add(10 * time.Minute)) {
		t.Errorf("after the overflow the wait ends at %v; want %v", got, t0.Add(10*time.Minute))
	}
}
