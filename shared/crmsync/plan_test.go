package crmsync_test

import (
	"slices"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/crmsync"
	"github.com/smsdesk/smsdesk/shared/session"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func chat() (session.Session, []session.Entry) {
	s := session.Session{ID: "C1", Phone: "+15551230000", Language: "en", QueueID: "billing", State: session.Queued, StartType: "inbound", CreatedAt: t0}
	entries := []session.Entry{
		{Seq: 1, Author: session.FromConsumer, Body: "hi", At: t0},
		{Seq: 2, Author: session.FromSystem, Kind: "menu", Body: "1 for Billing", At: t0},
		{Seq: 3, Author: session.FromConsumer, Body: "1", At: t0},
	}
	return s, entries
}

func types(evs []crm.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func link(o string) string { return "https://crm.example/" + o }

func TestNothingBeforeTheChatConnects(t *testing.T) {
	s, entries := chat()
	evs, st := crmsync.Plan(s, entries, crmsync.State{ContactID: "c"}, link)
	if len(evs) != 0 || st.Started || st.Through != 0 {
		t.Errorf("queued chat planned %q, state %+v", types(evs), st)
	}
}

// Each step plans only what the previous ones did not post, and the ids are stable, so a
// retried step posts the same events again (which the CRM deduplicates).
func TestPlanPostsEachEventOnceInOrder(t *testing.T) {
	s, entries := chat()
	s.State, s.AgentID, s.AssignedAt = session.Assigned, "ana", t0.Add(time.Minute)
	entries = append(entries,
		session.Entry{Seq: 4, Author: session.FromSystem, Kind: "assigned", AgentID: "ana", At: s.AssignedAt},
		session.Entry{Seq: 5, Author: session.FromConsumer, Body: "see photo", Media: []session.Media{{Object: "media/SM1/0", ContentType: "image/jpeg"}}, At: t0.Add(2 * time.Minute)})
	st := crmsync.State{ContactID: "c"}
	first, st := crmsync.Plan(s, entries, st, link)
	if got := types(first); !slices.Equal(got, []string{crm.EventChatConnected, crm.EventMedia}) {
		t.Fatalf("first plan = %q", got)
	}
	if first[1].Media[0] != "https://crm.example/media/SM1/0" || first[0].Text != "connected to agent ana in queue billing" || first[0].ConsumerMessages != 3 {
		t.Errorf("events = %+v", first)
	}
	again, _ := crmsync.Plan(s, entries, crmsync.State{ContactID: "c"}, link)
	if again[0].ID != first[0].ID || again[1].ID != first[1].ID {
		t.Errorf("ids changed between plans: %s %s / %s %s", first[0].ID, first[1].ID, again[0].ID, again[1].ID)
	}

	entries = append(entries,
		session.Entry{Seq: 6, Author: session.FromSystem, Kind: session.KindTransferFailed, Body: "transfer to agent x failed: busy"},
		session.Entry{Seq: 7, Author: session.FromAgent, AgentID: "ana", Body: "bye"})
	s.State, s.EndedAt, s.EndReason = session.Ended, t0.Add(time.Hour), session.EndAgent
	rest, st := crmsync.Plan(s, entries, st, link)
	if got := types(rest); !slices.Equal(got, []string{crm.EventTransferFailed, crm.EventChatEnded, crm.EventTranscript}) {
		t.Fatalf("second plan = %q", got)
	}
	tr := rest[2].Transcript
	if len(tr) != 7 || tr[1].Body != "1 for Billing" || tr[4].Body != "see photo\n[image/jpeg] https://crm.example/media/SM1/0" || tr[6].Author != "agent" {
		t.Errorf("transcript = %+v", tr)
	}
	if !st.Done {
		t.Error("not done after the end")
	}
	if more, _ := crmsync.Plan(s, entries, st, link); len(more) != 0 {
		t.Errorf("done chat planned %q", types(more))
	}
}

// An abandoned chat (ended in the queue) still reaches the CRM, without a connected event.
func TestAbandonedChatIsRecorded(t *testing.T) {
	s, entries := chat()
	s.State, s.EndedAt = session.Ended, t0.Add(time.Hour)
	evs, _ := crmsync.Plan(s, entries, crmsync.State{ContactID: "c"}, link)
	if got := types(evs); !slices.Equal(got, []string{crm.EventChatEnded, crm.EventTranscript}) {
		t.Errorf("abandoned chat planned %q", got)
	}
}

func TestBusinessOpenedChatStartsWithTheOutboundText(t *testing.T) {
	s := session.Session{ID: "O1", Phone: "+15551230000", State: session.Queued, StartType: crmsync.StartOutbound, CreatedAt: t0}
	entries := []session.Entry{{Seq: 1, Author: session.FromSystem, Kind: "outbound", Body: "Your refund is ready; questions?"}}
	evs, _ := crmsync.Plan(s, entries, crmsync.State{ContactID: "c"}, link)
	if len(evs) != 1 || evs[0].Type != crm.EventOutboundSent || evs[0].Text != "Your refund is ready; questions?" {
		t.Errorf("outbound chat planned %+v", evs)
	}
}
