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
		Estimate: func(q string, p int) (WaitEstimate, bool) { asked, prio = q, p; return WaitEstimate{Position: 3, Minutes: 4}, true }}
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
