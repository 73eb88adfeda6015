package session

import (
	"testing"
	"time"
)

func offered(t *testing.T, t0 time.Time) Session {
	t.Helper()
	line := timerLine()
	o := Handle(line, Consumer{Business: "+18005550100", Phone: "+1555"}, nil, Inbound{MessageSID: "SM1", Body: "hi", At: t0})
	s := *o.Session
	s.OfferTo("ana", t0.Add(time.Minute), 30*time.Second)
	if ts := Plan(line, &s); !kinds(ts)[TimerOffer].Equal(t0.Add(90 * time.Second)) {
		t.Fatalf("offer timers = %v", kinds(ts))
	}
	return s
}

func TestALapsedOfferIsMissedOnceAndTheChatWaitsForTheNextAgent(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s := offered(t, t0)
	timer := Timer{SessionID: s.ID, Kind: TimerOffer, Generation: s.Generation, Due: s.Offer.Deadline}
	late := t0.Add(3 * time.Minute) // the sweeper fires a lost timer late
	f := Fire(timerLine(), Consumer{}, s, timer, late)
	if f.Stale || f.Missed == nil {
		t.Fatalf("offer timer = %+v, want a missed offer", f)
	}
	m := *f.Missed
	if m.AgentID != "ana" || m.SessionID != s.ID || m.QueueID != "q" || m.Reason != MissTimeout || !m.At.Equal(t0.Add(90*time.Second)) {
		t.Errorf("missed = %+v, want ana's timeout at the deadline", m)
	}
	after := *f.Session
	if after.State != Queued || after.Offer != nil || !after.Missed("ana") || !f.Queued {
		t.Errorf("chat after the miss = %s, offer %+v, missed by %v, queued %v", after.State, after.Offer, after.MissedBy, f.Queued)
	}
	if _, ok := after.Deadlines[TimerOffer]; ok {
		t.Errorf("the missed offer's deadline stays: %v", after.Deadlines)
	}
	if again := Fire(timerLine(), Consumer{}, s, timer, late); again.Missed == nil || again.Missed.ID() != m.ID() {
		t.Errorf("the same offer missed twice names another record: %+v", again.Missed)
	}
	if redelivered := Fire(timerLine(), Consumer{}, after, timer, late); !redelivered.Stale || redelivered.Missed != nil {
		t.Errorf("a redelivered offer timer on the changed chat = %+v, want stale", redelivered)
	}
}

func TestAnOfferEndsWithItsChat(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s := offered(t, t0)
	o := Handle(timerLine(), Consumer{Business: "+18005550100", Phone: "+1555", ActiveSession: s.ID}, &s, Inbound{MessageSID: "SM2", Body: "STOP", At: t0.Add(70 * time.Second)})
	if o.Session.State != Ended || o.Session.Offer != nil || o.Withdrawn != "ana" {
		t.Errorf("chat ended while offered: %s, offer %+v, withdrawn %q; want ana's offer slot freed", o.Session.State, o.Session.Offer, o.Withdrawn)
	}
	s = offered(t, t0)
	f := Fire(timerLine(), Consumer{}, s, Timer{SessionID: s.ID, Kind: TimerQueueWait, Generation: s.Generation, Due: s.Deadlines[TimerQueueWait]}, t0.Add(5*time.Minute))
	if f.Session.QueueID != "overflow" || f.Session.Offer != nil || f.Withdrawn != "ana" {
		t.Errorf("overflowed while offered: queue %s, offer %+v, withdrawn %q", f.Session.QueueID, f.Session.Offer, f.Withdrawn)
	}
}

func TestStartTypesAndChatTypes(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	in := Session{ID: "C1", State: Queued, StartType: StartInbound}
	in.AssignTo("ana", now)
	if in.StartType != StartAutoAnswer || in.Type() != TypeSMS || in.Outbound() {
		t.Errorf("auto-assigned consumer chat: start %q, type %q", in.StartType, in.Type())
	}
	in.TransferToQueue("ana", "q", 0, now)
	in.OfferTo("luis", now, time.Minute)
	if err := in.AcceptOffer("luis", now.Add(time.Second)); err != nil || in.StartType != StartAutoAnswer {
		t.Errorf("a transferred chat's start type = %q (%v), want the first connection's kept", in.StartType, err)
	}
	m := Session{ID: "C2", State: Queued, StartType: StartInbound}
	m.OfferTo("luis", now, time.Minute)
	if err := m.AcceptOffer("luis", now.Add(time.Second)); err != nil || m.StartType != StartManualAnswer {
		t.Errorf("accepted chat start type = %q (%v)", m.StartType, err)
	}
	out := Session{ID: "O1", State: Queued, StartType: StartOutbound}
	out.AssignTo("ana", now)
	if out.StartType != StartOutbound || out.Type() != TypeOutboundSMS || !out.Outbound() {
		t.Errorf("business's chat: start %q, type %q", out.StartType, out.Type())
	}
}
