package session

import (
	"strings"
	"testing"
	"time"
)

func replyKinds(o Outcome) string { return strings.Join(replies(o), ",") }

func statusOf(o Outcome, kind string) string {
	for _, e := range o.Entries {
		if e.Kind == kind {
			return e.Status
		}
	}
	return "none"
}

func TestRevokeAndOptOutWordsOptOut(t *testing.T) {
	for _, word := range []string{"REVOKE", "optout"} {
		c, s, outs := converse(t, "hi", "1", "1", word)
		if !c.OptedOut || s.State != Ended || s.EndReason != EndOptOut || replyKinds(outs[3]) != "optout" {
			t.Errorf("%s: opted out %v, chat %s (%s), replies %s", word, c.OptedOut, s.State, s.EndReason, replyKinds(outs[3]))
		}
	}
}

func TestCarrierConfirmsOptOutByNumberKind(t *testing.T) {
	no := false
	for _, tc := range []struct {
		number  string
		setting *bool
		body    string
		want    string
	}{
		{"+14155550100", nil, "STOP", StatusByCarrier}, // long code: the carrier answers
		{"+18005550100", nil, "stop", StatusByCarrier}, // toll-free: STOP is handled in the network
		{"12345", nil, "STOP", StatusPending},          // short code: ours to send
		{"+14155550100", &no, "STOP", StatusPending},   // the number says the carrier does not
		{"+14155550100", nil, "Stop.", StatusPending},  // not the carrier's keyword: ours to answer
	} {
		line := testLine()
		line.Number.Number, line.Number.CarrierConfirmsOptOut = tc.number, tc.setting
		o := Handle(line, Consumer{Business: tc.number, Phone: "+15551230001"}, nil, Inbound{MessageSID: "SM1", Business: tc.number, Phone: "+15551230001", Body: tc.body, At: time.Unix(1, 0)})
		if got := statusOf(o, "optout"); got != tc.want {
			t.Errorf("%s %q (setting %v): confirmation %s, want %s", tc.number, tc.body, tc.setting, got, tc.want)
		}
	}
}

func TestFirstOptOutStands(t *testing.T) {
	c := Consumer{}
	at := time.Unix(100, 0)
	if !c.OptOut(at, "sms:SMstop") || c.OptOut(at.Add(time.Minute), "carrier error 21610") {
		t.Fatal("the second opt-out changed the record")
	}
	if c.OptOutSource != "sms:SMstop" || !c.OptedOutAt.Equal(at) {
		t.Errorf("record = %s at %s, want the consumer's STOP", c.OptOutSource, c.OptedOutAt)
	}
}

func TestOptOutWordingInReplyToNotificationOptsOut(t *testing.T) {
	line := testLine()
	c := Consumer{Business: "+18005550100", Phone: "+15551230001", LastNotificationAt: time.Unix(1000, 0), ConsentAt: time.Unix(1, 0)}
	o := Handle(line, c, nil, Inbound{MessageSID: "SMr", Business: c.Business, Phone: c.Phone, Body: "please stop texting me", At: time.Unix(1100, 0)})
	if !o.Consumer.OptedOut || o.Consumer.OptOutSource != "sms:SMr" || o.Session != nil {
		t.Fatalf("consumer %+v, chat %v", o.Consumer, o.Session)
	}
	if replyKinds(o) != "optout" || statusOf(o, "optout") != StatusPending {
		t.Errorf("replies %s (%s), want one confirmation that we send", replyKinds(o), statusOf(o, "optout"))
	}
	line.Number.RepliesOpenChat = true
	o = Handle(line, c, nil, Inbound{MessageSID: "SMr", Business: c.Business, Phone: c.Phone, Body: "unsubscribe me", At: time.Unix(1100, 0)})
	if !o.Consumer.OptedOut || o.Session != nil {
		t.Errorf("with repliesOpenChat: opted out %v, chat %v", o.Consumer.OptedOut, o.Session)
	}
}

func TestOptOutWordingInBusinessOpenedChatOptsOut(t *testing.T) {
	line := testLine()
	s := &Session{ID: "Oab", Business: "+18005550100", Phone: "+15551230001", State: Assigned, AgentID: "ana", StartType: StartOutbound, Language: "en", Seq: 1}
	c := Consumer{Business: s.Business, Phone: s.Phone, ActiveSession: s.ID, ConsentAt: time.Unix(1, 0)}
	o := Handle(line, c, s, Inbound{MessageSID: "SMx", Business: s.Business, Phone: s.Phone, Body: "No more texts please", At: time.Unix(2, 0)})
	if !o.Consumer.OptedOut || o.Session.State != Ended || o.Session.EndReason != EndOptOutWording || o.FreedAgent != "ana" || replyKinds(o) != "optout" {
		t.Errorf("opted out %v, chat %s (%s), freed %q, replies %s", o.Consumer.OptedOut, o.Session.State, o.Session.EndReason, o.FreedAgent, replyKinds(o))
	}
}

func TestOptOutWordingInSupportChatFlagsIt(t *testing.T) {
	c, s, outs := converse(t, "hi", "1", "1", "I want to cancel my order", "yes cancel it")
	if c.OptedOut || s.State != Queued {
		t.Fatalf("a support chat's 'cancel my order' opted out (%v) or ended the chat (%s)", c.OptedOut, s.State)
	}
	if s.OptOutFlag == nil || c.OptOutFlag == nil || s.OptOutFlag.Wording != "cancel" || s.OptOutFlag.MessageSID != "SMd" {
		t.Fatalf("flag on chat %+v, on consumer %+v", s.OptOutFlag, c.OptOutFlag)
	}
	if replyKinds(outs[3]) != "event,optouthint" || !strings.Contains(outs[3].Entries[2].Body, "reply STOP") {
		t.Errorf("replies %s: %+v", replyKinds(outs[3]), outs[3].Entries)
	}
	if replyKinds(outs[4]) != "event" {
		t.Errorf("a second mention got %s, want no second line to the consumer", replyKinds(outs[4]))
	}
	// A near miss neither flags nor answers.
	_, s2, outs2 := converse(t, "hi", "1", "1", "see you at the end of the month")
	if s2.OptOutFlag != nil || replyKinds(outs2[3]) != "" {
		t.Errorf("near miss flagged %+v, replies %s", s2.OptOutFlag, replyKinds(outs2[3]))
	}
	// Spanish wording, in a Spanish chat.
	_, s3, outs3 := converse(t, "hi", "2", "1", "no me envíen más mensajes")
	if s3.OptOutFlag == nil || !strings.Contains(outs3[3].Entries[2].Body, "responda STOP") {
		t.Errorf("Spanish request: flag %+v, entries %+v", s3.OptOutFlag, outs3[3].Entries)
	}
	// STOP itself settles it.
	c4, _, _ := converse(t, "hi", "1", "1", "stop texting me", "STOP")
	if !c4.OptedOut || c4.OptOutFlag != nil {
		t.Errorf("after STOP: opted out %v, flag %+v", c4.OptedOut, c4.OptOutFlag)
	}
}

func TestFirstTextWithOptOutWordingOpensFlaggedChat(t *testing.T) {
	c, s, outs := converse(t, "please unsubscribe me")
	if c.OptedOut || s == nil || s.OptOutFlag == nil || replyKinds(outs[0]) != "consent,menu,event,optouthint" {
		t.Errorf("opted out %v, chat %+v, replies %s", c.OptedOut, s, replyKinds(outs[0]))
	}
}

func TestAgentResolvesOptOutFlag(t *testing.T) {
	line := testLine()
	c, s, _ := converse(t, "hi", "1", "1", "stop texting me")
	s.State, s.AgentID = Assigned, "ana"
	now := time.Unix(5000, 0)

	o, err := ResolveOptOut(line, c, *s, "ana", false, now)
	if err != nil || o.Session.OptOutFlag != nil || o.Consumer.OptOutFlag != nil || o.Consumer.OptedOut || o.Session.State != Assigned || replyKinds(o) != "event" {
		t.Fatalf("dismiss: err %v, chat %+v, consumer %+v, replies %s", err, o.Session, o.Consumer, replyKinds(o))
	}
	if _, err := ResolveOptOut(line, o.Consumer, *o.Session, "ana", false, now); err == nil {
		t.Error("dismissing a chat without a flag was accepted")
	}

	o, err = ResolveOptOut(line, c, *s, "ana", true, now)
	if err != nil || !o.Consumer.OptedOut || o.Consumer.OptOutFlag != nil || o.Session.State != Ended || o.Session.EndReason != EndOptOutAgent || o.FreedAgent != "ana" {
		t.Fatalf("opt out: err %v, chat %+v, consumer %+v", err, o.Session, o.Consumer)
	}
	if o.Consumer.OptOutSource != "sms:SMd (confirmed by agent ana)" || replyKinds(o) != "event,optout" || statusOf(o, "optout") != StatusPending {
		t.Errorf("source %q, replies %s (%s)", o.Consumer.OptOutSource, replyKinds(o), statusOf(o, "optout"))
	}
	// Already opted out: nothing more is sent.
	again, _ := ResolveOptOut(line, o.Consumer, *o.Session, "ana", true, now)
	if replyKinds(again) != "event" {
		t.Errorf("second opt-out sent %s", replyKinds(again))
	}
}
