package session

import (
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

func testLine() config.Line {
	return config.NewLine(
		config.Number{Number: "+18005550100", LineOfBusiness: "retail", EntryQueue: "lang", DefaultLanguage: "en", Brand: "Acme", ExitWord: "EXIT"},
		[]config.Queue{
			{ID: "lang", Name: "Language", LineOfBusiness: "retail"},
			{ID: "en", Name: "English", Parent: "lang", Order: 1, Keywords: []string{"ENGLISH"}, Language: "en", LineOfBusiness: "retail"},
			{ID: "es", Name: "Español", Parent: "lang", Order: 2, Keywords: []string{"ESPANOL"}, Language: "es", LineOfBusiness: "retail"},
			{ID: "en-billing", Name: "Billing", Parent: "en", Order: 1, Keywords: []string{"BILLING"}, LineOfBusiness: "retail"},
			{ID: "en-tech", Name: "Support", Parent: "en", Order: 2, Keywords: []string{"TECH"}, LineOfBusiness: "retail"},
			{ID: "es-general", Name: "General", Parent: "es", Order: 1, LineOfBusiness: "retail"},
		})
}

// converse feeds texts one by one, carrying state as the store would.
func converse(t *testing.T, texts ...string) (Consumer, *Session, []Outcome) {
	t.Helper()
	line := testLine()
	c := Consumer{Business: "+18005550100", Phone: "+15551230001"}
	var s *Session
	var outs []Outcome
	for i, body := range texts {
		o := Handle(line, c, s, Inbound{MessageSID: "SM" + string(rune('a'+i)), Business: c.Business, Phone: c.Phone, Body: body, At: time.Unix(int64(1000+i), 0)})
		c = o.Consumer
		if o.Session != nil {
			s = o.Session
		}
		outs = append(outs, o)
	}
	return c, s, outs
}

func replies(o Outcome) []string {
	var r []string
	for _, e := range o.Entries {
		if e.Outbound() {
			r = append(r, e.Kind)
		}
	}
	return r
}

func TestFirstContactGetsConsentThenMenu(t *testing.T) {
	c, s, outs := converse(t, "hello")
	if got := strings.Join(replies(outs[0]), ","); got != "consent,menu" {
		t.Fatalf("replies = %s, want consent,menu", got)
	}
	if c.ConsentAt.IsZero() || !strings.Contains(c.ConsentSource, "SMa") {
		t.Errorf("consent not recorded with time and source: %+v", c)
	}
	consent := outs[0].Entries[1].Body
	for _, want := range []string{"Acme", "recurring", "Msg & data rates may apply", "STOP", "HELP"} {
		if !strings.Contains(consent, want) {
			t.Errorf("consent %q lacks %q", consent, want)
		}
	}
	if s.State != InMenu || s.QueueID != "lang" || outs[0].Entries[0].Body != "hello" {
		t.Errorf("session = %+v, entries %+v", s, outs[0].Entries)
	}
	if !strings.Contains(outs[0].Entries[2].Body, "1 or ENGLISH for English, 2 or ESPANOL for Español") {
		t.Errorf("menu text = %q", outs[0].Entries[2].Body)
	}
}

func TestMenuNavigationQueuesInChosenLanguage(t *testing.T) {
	_, s, outs := converse(t, "hi", "espanol", "1")
	if s.State != Queued || s.QueueID != "es-general" || s.Language != "es" || !outs[2].Queued {
		t.Fatalf("session = %+v", s)
	}
	if wait := outs[2].Entries[1].Body; !strings.Contains(wait, "fila de General") {
		t.Errorf("wait message not in Spanish: %q", wait)
	}
}

func TestWrongAnswerRepeatsMenuAndBackGoesUp(t *testing.T) {
	_, s, outs := converse(t, "hi", "1", "banana", "back")
	if got := strings.Join(replies(outs[2]), ","); got != "invalid,menu" {
		t.Errorf("wrong answer replies = %s", got)
	}
	if s.State != InMenu || s.QueueID != "lang" {
		t.Errorf("after BACK session at %s/%s, want menu lang", s.State, s.QueueID)
	}
	if !strings.Contains(outs[1].Entries[1].Body, "BACK") {
		t.Errorf("submenu does not mention BACK: %q", outs[1].Entries[1].Body)
	}
}

func TestStopEndsChatOnceAndSilencesEverything(t *testing.T) {
	c, s, outs := converse(t, "hi", "1", "1", "STOP", "stop", "hello?")
	if s.State != Ended || s.EndReason != EndOptOut || !c.OptedOut || c.ActiveSession != "" {
		t.Fatalf("after STOP: consumer %+v session %+v", c, s)
	}
	if got := strings.Join(replies(outs[3]), ","); got != "optout" {
		t.Errorf("STOP replies = %s, want one confirmation", got)
	}
	for _, o := range outs[4:] {
		if len(replies(o)) != 0 || o.Session != nil {
			t.Errorf("after opt-out a text produced %v (session %v)", replies(o), o.Session)
		}
	}
}

func TestStartOptsBackInAndNextTextOpensChatWithoutConsent(t *testing.T) {
	c, s, outs := converse(t, "hi", "STOP", "Start", "hello again")
	if c.OptedOut || strings.Join(replies(outs[2]), ",") != "optin" {
		t.Fatalf("START: consumer %+v replies %v", c, replies(outs[2]))
	}
	if got := strings.Join(replies(outs[3]), ","); got != "menu" {
		t.Errorf("new chat replies = %s, want menu only (consent already given)", got)
	}
	if s.ID != "CSMd" || s.State != InMenu {
		t.Errorf("new chat = %+v", s)
	}
}

func TestExitEndsChatAndFreesAgent(t *testing.T) {
	line := testLine()
	c := Consumer{Business: "+18005550100", Phone: "+1555", ActiveSession: "C1", ConsentAt: time.Unix(1, 0)}
	s := &Session{ID: "C1", State: Assigned, AgentID: "ana", QueueID: "en-tech", Language: "en", Seq: 5}
	o := Handle(line, c, s, Inbound{MessageSID: "SM9", Body: "exit", At: time.Unix(9, 0)})
	if o.Session.State != Ended || o.FreedAgent != "ana" || o.Consumer.ActiveSession != "" {
		t.Fatalf("EXIT outcome = %+v", o)
	}
	if got := strings.Join(replies(o), ","); got != "ended" || o.Entries[0].Seq != 6 {
		t.Errorf("EXIT entries = %+v", o.Entries)
	}
	if s.State != Assigned {
		t.Error("Handle modified its input session")
	}
}

func TestHelpAnswersEvenWhenOptedOut(t *testing.T) {
	_, _, outs := converse(t, "hi", "STOP", "HELP")
	if got := strings.Join(replies(outs[2]), ","); got != "help" {
		t.Errorf("HELP replies = %s", got)
	}
}

func TestCarrierHandledStopIsRecordedNotResent(t *testing.T) {
	line := testLine()
	c := Consumer{Business: "+18005550100", Phone: "+1555", ConsentAt: time.Unix(1, 0)}
	o := Handle(line, c, nil, Inbound{MessageSID: "SM1", Body: "STOP", CarrierKeyword: "STOP", At: time.Unix(2, 0)})
	if len(o.Entries) != 1 || o.Entries[0].Kind != "optout" || o.Entries[0].Status != StatusByCarrier {
		t.Fatalf("entries = %+v, want one optout marked as sent by the carrier", o.Entries)
	}
}
