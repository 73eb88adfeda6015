package routing

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

func manual(a Agent) Agent { a.Answer = config.AnswerManual; return a }

func TestAManualAgentIsOfferedTheChatAndAnAutoAgentGivenIt(t *testing.T) {
	r, m, f := newRouter([]Agent{manual(agentOf("ana", time.Hour, 2, "en"))}, queued("C1", "en", 0, 0))
	m.line.OfferTimeout = 20 * time.Second
	before := time.Now()
	if err := r.AssignChat(context.Background(), m.chats["C1"]); err != nil {
		t.Fatal(err)
	}
	c, ana := m.chats["C1"], m.agents["ana"]
	if c.State != session.Queued || c.AgentID != "" || !c.OfferedTo("ana") {
		t.Fatalf("chat = %s, agent %q, offer %+v; want it waiting, offered to ana", c.State, c.AgentID, c.Offer)
	}
	if d := c.Offer.Deadline.Sub(c.Offer.At); d != 20*time.Second || c.Offer.At.Before(before) {
		t.Errorf("offer %+v, want a deadline 20 s after the offer", c.Offer)
	}
	if ana.Offers != 1 || ana.ActiveChats != 0 {
		t.Errorf("ana: %d offers, %d chats; want the offer counted, no chat yet", ana.Offers, ana.ActiveChats)
	}
	rec := f.recs[0]
	if len(rec.Send) != 0 || len(rec.Events) != 0 {
		t.Errorf("an offer sends %q and announces %+v; the consumer hears nothing until the agent accepts", rec.Send, rec.Events)
	}
	if len(rec.Notices) != 1 || rec.Notices[0].Type != followup.NoticeOffer || rec.Notices[0].To != "ana" || !rec.Notices[0].Deadline.Equal(c.Offer.Deadline) {
		t.Errorf("notices = %+v, want an offer notice to ana with the deadline", rec.Notices)
	}
	if due := kindsOf(rec.Timers)[session.TimerOffer]; !due.Equal(c.Offer.Deadline) || !c.Deadlines[session.TimerOffer].Equal(due) {
		t.Errorf("timers %+v, deadlines %v: want the offer timer at its deadline, also on the chat for the sweeper", rec.Timers, c.Deadlines)
	}

	r2, m2, _ := newRouter([]Agent{agentOf("luis", time.Hour, 2, "en")}, queued("C2", "en", 0, 0))
	if err := r2.AssignChat(context.Background(), m2.chats["C2"]); err != nil {
		t.Fatal(err)
	}
	if c := m2.chats["C2"]; c.State != session.Assigned || c.StartType != session.StartAutoAnswer || c.Offer != nil {
		t.Errorf("auto agent's chat = %s, start type %q, offer %+v; want assigned, auto_answer", c.State, c.StartType, c.Offer)
	}
}

func kindsOf(ts []session.Timer) map[string]time.Time {
	out := map[string]time.Time{}
	for _, t := range ts {
		out[t.Kind] = t.Due
	}
	return out
}

func TestOffersTakeCapacity(t *testing.T) {
	ana := manual(agentOf("ana", time.Hour, 1, "en"))
	r, m, _ := newRouter([]Agent{ana}, queued("old", "en", time.Hour, 0), queued("new", "en", time.Minute, 0))
	if err := r.FillAgent(context.Background(), "ana"); err != nil {
		t.Fatal(err)
	}
	if !m.chats["old"].OfferedTo("ana") || m.chats["new"].Offer != nil {
		t.Errorf("offers: old %+v, new %+v; want only the oldest offered, ana's one slot taken by it", m.chats["old"].Offer, m.chats["new"].Offer)
	}
	if err := r.AssignChat(context.Background(), m.chats["new"]); err != nil {
		t.Fatal(err)
	}
	if m.chats["new"].Offer != nil || m.agents["ana"].Offers != 1 {
		t.Errorf("ana at capacity with an offer was offered another chat: %+v", m.agents["ana"])
	}
}

func offeredChat(t *testing.T, now time.Time) (config.Line, session.Session, Agent) {
	t.Helper()
	line := config.NewLine(config.Number{Number: "+18005550100", DefaultLanguage: "en"}, nil)
	a := manual(agentOf("ana", time.Hour, 2, "en"))
	s := queued("C1", "en", time.Minute, 0)
	s.StartType = session.StartInbound
	if _, _, ok := Take(line, &s, a, now); !ok || !s.OfferedTo("ana") {
		t.Fatalf("chat not offered: %+v", s)
	}
	return line, s, a
}

func TestAcceptInTimeMakesTheChatTheAgentsAsAnAssignment(t *testing.T) {
	line, s, a := offeredChat(t, t0)
	e, then, err := Accept(line, &s, a, t0.Add(29*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if s.State != session.Assigned || s.AgentID != "ana" || s.Offer != nil || s.StartType != session.StartManualAnswer || !s.Held("ana") {
		t.Errorf("accepted chat = %s, agent %q, offer %+v, start type %q", s.State, s.AgentID, s.Offer, s.StartType)
	}
	if e.Kind != "assigned" || e.Body != "You're now chatting with ana." {
		t.Errorf("accept writes %+v, want the consumer's assigned message", e)
	}
	if !slices.Contains(then.Events, chatevents.Event{Type: chatevents.Connected, SessionID: "C1"}) || kindsOf(then.Timers)[session.TimerReplyDue].IsZero() {
		t.Errorf("accept leaves %+v, want the connected event and the reply-due timer", then)
	}
	if _, ok := s.Deadlines[session.TimerOffer]; ok {
		t.Errorf("accepted chat keeps its offer deadline: %v", s.Deadlines)
	}
}

func TestLateOrForeignAnswersAreRefusedAndChangeNothing(t *testing.T) {
	line, s, a := offeredChat(t, t0)
	before := s
	if _, _, err := Accept(line, &s, a, t0.Add(30*time.Second)); !errors.Is(err, session.ErrOfferExpired) {
		t.Errorf("accept at the deadline = %v, want offer expired", err)
	}
	luis := agentOf("luis", time.Hour, 2, "en")
	if _, _, err := Accept(line, &s, luis, t0.Add(time.Second)); !errors.Is(err, session.ErrNotOffered) {
		t.Errorf("accept by another agent = %v, want not offered", err)
	}
	if _, _, err := Decline(line, &s, luis, t0.Add(time.Second)); !errors.Is(err, session.ErrNotOffered) {
		t.Errorf("decline by another agent = %v, want not offered", err)
	}
	if s.State != before.State || !s.OfferedTo("ana") || s.Generation != before.Generation {
		t.Errorf("a refused answer changed the chat: %+v", s)
	}
	// Accepted once, the second accept of the same offer is refused.
	if _, _, err := Accept(line, &s, a, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Accept(line, &s, a, t0.Add(2*time.Second)); !errors.Is(err, session.ErrNotOffered) {
		t.Errorf("second accept = %v, want not offered", err)
	}
}

func TestDeclinePassesTheChatToTheNextAgentNotTheOneWhoMissedIt(t *testing.T) {
	ana, luis := manual(agentOf("ana", 2*time.Hour, 2, "en")), agentOf("luis", time.Hour, 2, "en")
	r, m, f := newRouter([]Agent{ana, luis}, queued("C1", "en", 0, 0))
	if err := r.AssignChat(context.Background(), m.chats["C1"]); err != nil {
		t.Fatal(err)
	}
	c := m.chats["C1"]
	if !c.OfferedTo("ana") {
		t.Fatalf("chat not offered to ana (idle longest): %+v", c.Offer)
	}
	missed, then, err := Decline(m.line, &c, m.agents["ana"], c.Offer.At.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if missed.AgentID != "ana" || missed.SessionID != "C1" || missed.QueueID != "billing" || missed.Reason != session.MissDeclined {
		t.Errorf("missed offer = %+v", missed)
	}
	if len(then.Assign) != 1 || then.Assign[0].SessionID != "C1" || !slices.Contains(then.Fill, "ana") {
		t.Errorf("decline leaves %+v, want the chat offered again and ana's slot filled", then)
	}
	a := m.agents["ana"]
	a.Offers--
	m.chats["C1"], m.agents["ana"] = c, a
	f.recs = nil
	for _, q := range then.Assign {
		if err := r.AssignChat(context.Background(), q.Session()); err != nil {
			t.Fatal(err)
		}
	}
	if c := m.chats["C1"]; c.State != session.Assigned || c.AgentID != "luis" {
		t.Errorf("after ana declined: chat %s with %q, want luis's", c.State, c.AgentID)
	}
}

func TestAChatNobodyElseMayTakeWaitsAfterAMiss(t *testing.T) {
	ana := manual(agentOf("ana", time.Hour, 2, "en"))
	r, m, f := newRouter([]Agent{ana}, queued("C1", "en", 0, 0))
	c := m.chats["C1"]
	c.MissedBy = []string{"ana"}
	m.chats["C1"] = c
	if err := r.AssignChat(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if err := r.FillAgent(context.Background(), "ana"); err != nil {
		t.Fatal(err)
	}
	if c := m.chats["C1"]; c.State != session.Queued || c.Offer != nil || len(f.recs) != 0 {
		t.Errorf("chat = %s, offer %+v, records %+v; want it waiting, not offered to ana again", c.State, c.Offer, f.recs)
	}
}
