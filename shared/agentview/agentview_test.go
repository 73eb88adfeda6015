package agentview

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

func chat() desk.Chat {
	at := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	return desk.Chat{
		Session: session.Session{ID: "C1", State: session.Assigned, Phone: "+15551234567", Business: "+18005550100", QueueID: "billing",
			OptOutFlag: &session.OptOutFlag{Wording: "stop texting me", At: at}},
		Transcript: []session.Entry{
			{Seq: 1, Author: session.FromConsumer, Body: "photo", At: at, Media: []session.Media{{Object: "media/SM1/0.jpg", ContentType: "image/jpeg"}}},
			{Author: session.FromAgent, Body: "not yet stored"},
		},
	}
}

func TestConsumerNumberByRole(t *testing.T) {
	for role, want := range map[string]string{"agent": "+1 ***-***-4567", "": "+1 ***-***-4567", "supervisor": "+15551234567", "admin": "+15551234567"} {
		v := Viewer{}.Chat(routing.Agent{ID: "ana", Role: role}, chat())
		if v.Consumer != want {
			t.Errorf("role %q sees %q, want %q", role, v.Consumer, want)
		}
		b, _ := json.Marshal(v)
		if want != "+15551234567" && strings.Contains(string(b), "5551234567") {
			t.Errorf("role %q: the full number is somewhere in the view: %s", role, b)
		}
	}
}

func TestCRMContactState(t *testing.T) {
	cands := []store.Candidate{{ID: "k1", Name: "Ada"}, {ID: "k2", Name: "Bob"}}
	for _, c := range []struct {
		st   store.CRMSync
		want Contact
	}{
		{store.CRMSync{}, Contact{Status: ContactPending}},
		{store.CRMSync{ContactID: "k1"}, Contact{Status: ContactLinked, ID: "k1"}},
		{store.CRMSync{Candidates: cands}, Contact{Status: ContactChoose, Candidates: cands}},
		// Chosen but not yet linked: no longer a choice to make.
		{store.CRMSync{Candidates: cands, Choice: "k2"}, Contact{Status: ContactPending}},
	} {
		got := CRMContact(c.st)
		if got.Status != c.want.Status || got.ID != c.want.ID || len(got.Candidates) != len(c.want.Candidates) {
			t.Errorf("CRMContact(%+v) = %+v, want %+v", c.st, got, c.want)
		}
	}
}

func TestPossibleOptOutAndMedia(t *testing.T) {
	signed := Viewer{MediaURL: func(o string) (string, error) { return "https://signed/" + o, nil }}.Chat(routing.Agent{Role: "agent"}, chat())
	p := signed.PossibleOptOut
	if p == nil || p.Wording != "stop texting me" || p.OptOut != "POST /agent/chats/C1/optout" || p.Dismiss != "POST /agent/chats/C1/optout/dismiss" {
		t.Errorf("possible opt-out = %+v", p)
	}
	if m := signed.Transcript[0].Media; len(m) != 1 || m[0].URL != "https://signed/media/SM1/0.jpg" || m[0].Object != "" {
		t.Errorf("media = %+v, want a signed URL and no object name", m)
	}
	failed := Viewer{MediaURL: func(string) (string, error) { return "", errors.New("no key") }}.Chat(routing.Agent{}, chat())
	if m := failed.Transcript[0].Media; m[0].URL != "" || m[0].Object != "" {
		t.Errorf("unsigned media = %+v, want neither a URL nor the object name", m)
	}
	c := chat()
	c.Session.OptOutFlag = nil
	if v := (Viewer{}).Chat(routing.Agent{}, c); v.PossibleOptOut != nil {
		t.Errorf("a settled chat shows %+v", v.PossibleOptOut)
	}
	b, _ := json.Marshal(signed.Transcript[1])
	if strings.Contains(string(b), `"seq"`) || strings.Contains(string(b), `"at"`) {
		t.Errorf("a line not yet stored shows a seq or time: %s", b)
	}
}

func TestSelfIsOfflineUntilSeen(t *testing.T) {
	if s := Self(routing.Agent{ID: "ana"}); s.Status != routing.AgentOffline {
		t.Errorf("status = %q, want offline", s.Status)
	}
}

func TestAnOfferIsShownToItsAgentOnly(t *testing.T) {
	c := chat()
	deadline := time.Date(2026, 11, 25, 14, 0, 30, 0, time.UTC)
	c.Session.State, c.Session.StartType = session.Queued, session.StartInbound
	c.Session.Offer = &session.Offer{AgentID: "ana", At: deadline.Add(-30 * time.Second), Deadline: deadline}
	v := Viewer{}.Chat(routing.Agent{ID: "ana"}, c)
	if v.Offer == nil || !v.Offer.Deadline.Equal(deadline) || v.Offer.Accept != "POST /agent/chats/C1/accept" || v.Type != "sms" {
		t.Errorf("ana's view: offer %+v, type %q", v.Offer, v.Type)
	}
	if v := (Viewer{}).Chat(routing.Agent{ID: "sue", Role: "supervisor"}, c); v.Offer != nil {
		t.Errorf("a supervisor sees ana's offer as theirs: %+v", v.Offer)
	}
	if s := Self(routing.Agent{ID: "ana"}); s.Answer != "auto" {
		t.Errorf("answer = %q, want auto by default", s.Answer)
	}
}
