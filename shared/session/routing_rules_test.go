package session

import (
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

func richLine(hours *config.Hours) config.Line {
	l := config.NewLine(
		config.Number{Number: "+18005550100", LineOfBusiness: "r", EntryQueue: "root", DefaultLanguage: "en", Brand: "Acme",
			LanguageWords: map[string]string{"ESPANOL": "es", "ENGLISH": "en"}},
		[]config.Queue{
			{ID: "root", Name: "Root", LineOfBusiness: "r", Hours: hours},
			{ID: "sales", Name: "Sales", Names: map[string]string{"es": "Ventas"}, Parent: "root", Order: 1, Keywords: []string{"SALES"}, KeywordsByLanguage: map[string][]string{"es": {"VENTAS"}}, Priority: 5, LineOfBusiness: "r"},
			{ID: "vip", Name: "VIP desk", Parent: "root", Order: 2, Hidden: true, LineOfBusiness: "r"},
			{ID: "help", Name: "Help", Parent: "root", Order: 3, Keywords: []string{"AYUDA2"}, LineOfBusiness: "r"},
		})
	return l
}

func run(line config.Line, at time.Time, texts ...string) (Consumer, *Session, []Outcome) {
	c := Consumer{Business: "+18005550100", Phone: "+15550001111"}
	var s *Session
	var outs []Outcome
	for i, body := range texts {
		o := Handle(line, c, s, Inbound{MessageSID: "SM" + string(rune('a'+i)), Body: body, At: at})
		c = o.Consumer
		if o.Session != nil {
			s = o.Session
		}
		outs = append(outs, o)
	}
	return c, s, outs
}

func TestHiddenQueueIsNotOffered(t *testing.T) {
	_, s, outs := run(richLine(nil), time.Now(), "hi", "2")
	menu := outs[0].Entries[2].Body
	if strings.Contains(menu, "VIP") || !strings.Contains(menu, "2 or AYUDA2 for Help") {
		t.Errorf("menu = %q: the hidden queue must not be offered nor take a digit", menu)
	}
	if s.QueueID != "help" || s.State != Queued {
		t.Errorf("digit 2 led to %s/%s, want the second visible option", s.QueueID, s.State)
	}
}

func TestLanguageWordSwitchesAndIsRemembered(t *testing.T) {
	c, s, outs := run(richLine(nil), time.Now(), "hi", "espanol", "ventas")
	if got := outs[1].Entries[1].Body; !strings.Contains(got, "español") {
		t.Errorf("language confirmation = %q", got)
	}
	if got := outs[1].Entries[2].Body; !strings.Contains(got, "1 o VENTAS para Ventas") {
		t.Errorf("menu after switching = %q", got)
	}
	if s.Language != "es" || c.Language != "es" || s.QueueID != "sales" || s.Priority != 5 {
		t.Errorf("session %+v consumer language %q", s, c.Language)
	}
	// The next chat starts in Spanish.
	o := Handle(richLine(nil), Consumer{Business: c.Business, Phone: c.Phone, Language: "es", ConsentAt: time.Now()}, nil, Inbound{MessageSID: "SMz", Body: "hola"})
	if o.Session.Language != "es" || !strings.Contains(o.Entries[1].Body, "Responda") {
		t.Errorf("remembered language not used: %+v", o.Entries)
	}
}

func TestAfterHoursEndsChatWithMessage(t *testing.T) {
	hours := &config.Hours{TimeZone: "America/New_York", Weekly: map[string][]string{"mon": {"09:00-17:00"}}, Holidays: []string{"2026-11-30"}}
	sunday := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	_, s, outs := run(richLine(hours), sunday, "hi", "1")
	if s.State != Ended || s.EndReason != EndAfterHours || outs[1].Queued {
		t.Fatalf("after hours: %+v", s)
	}
	if k := outs[1].Entries[len(outs[1].Entries)-1].Kind; k != "afterhours" {
		t.Errorf("last reply = %s", k)
	}
	monday := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC) // 10:00 in New York
	if _, s, _ := run(richLine(hours), monday, "hi", "1"); s.State != Queued {
		t.Errorf("open hours: %s", s.State)
	}
	holiday := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	if _, s, _ := run(richLine(hours), holiday, "hi", "1"); s.State != Ended {
		t.Errorf("holiday: %s", s.State)
	}
}

func TestChatOffAnswersClosed(t *testing.T) {
	l := richLine(nil)
	l.ChatOff = true
	c, s, outs := run(l, time.Now(), "hi")
	if s != nil || c.ActiveSession != "" || outs[0].Entries[0].Kind != "closed" {
		t.Errorf("chat off: session %+v entries %+v", s, outs[0].Entries)
	}
}
