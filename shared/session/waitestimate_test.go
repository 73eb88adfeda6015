package session

import (
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

func TestWaitMessageCarriesTheEstimate(t *testing.T) {
	line := config.NewLine(config.Number{Number: "+18005550100", EntryQueue: "tech", DefaultLanguage: "es", Brand: "Shop"},
		[]config.Queue{{ID: "tech", Name: "Tech", Priority: 2}})
	c := Consumer{Business: "+18005550100", Phone: "+15551230001", ConsentAt: time.Now()}
	var asked string
	var prio int
	in := Inbound{MessageSID: "SM1", Business: c.Business, Phone: c.Phone, Body: "hola", At: time.Now(),
		Estimate: func(q string, p int) (WaitEstimate, bool) {
			asked, prio = q, p
			return WaitEstimate{Position: 3, Minutes: 4}, true
		}}
	o := Handle(line, c, nil, in)
	last := o.Entries[len(o.Entries)-1]
	if last.Kind != "waitestimate" || !strings.Contains(last.Body, "es el número 3, unos 4 min") || asked != "tech" || prio != 2 {
		t.Errorf("wait message = %s %q (estimate asked for %q, priority %d)", last.Kind, last.Body, asked, prio)
	}
	in.Estimate = func(string, int) (WaitEstimate, bool) { return WaitEstimate{}, false }
	o = Handle(line, c, nil, in)
	if last := o.Entries[len(o.Entries)-1]; last.Kind != "wait" {
		t.Errorf("without an estimate: %s %q", last.Kind, last.Body)
	}
}

func TestStillWaitingTextsTheNewEstimateOnce(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	line := config.NewLine(config.Number{Number: "+18005550100", EntryQueue: "tech", DefaultLanguage: "en"},
		[]config.Queue{{ID: "tech", Name: "Tech", Timeouts: &config.Timeouts{StillWaiting: "5m"}}})
	s := Session{ID: "C1", Business: "+18005550100", Phone: "+15551230001", State: Queued, QueueID: "tech", Language: "en", CreatedAt: t0, QueuedAt: t0}
	timers := Plan(line, &s)
	var still *Timer
	for i := range timers {
		if timers[i].Kind == TimerStillWaiting {
			still = &timers[i]
		}
	}
	if still == nil || !still.Due.Equal(t0.Add(5*time.Minute)) {
		t.Fatalf("timers %+v: no still-waiting timer 5 min after queueing", timers)
	}
	f := FireWith(line, Consumer{}, s, *still, t0.Add(5*time.Minute), func(Session) (WaitEstimate, bool) { return WaitEstimate{Position: 2, Minutes: 7}, true })
	if len(f.Entries) != 1 || f.Entries[0].Kind != "stillwaiting" || !strings.Contains(f.Entries[0].Body, "number 2 in line for Tech; about 7 min") {
		t.Fatalf("still waiting: %+v", f.Entries)
	}
	for _, tm := range f.Timers {
		if tm.Kind == TimerStillWaiting {
			t.Errorf("a second still-waiting text planned: %+v", tm)
		}
	}
	if again := FireWith(line, Consumer{}, s, *still, t0.Add(6*time.Minute), nil); len(again.Entries) != 0 && !again.Stale {
		t.Errorf("without an estimate: %+v", again.Entries)
	}
}
