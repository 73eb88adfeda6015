package desk

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// offerDesk is memDesk whose chat answers offers as the store does, without the transcript.
type offerDesk struct {
	*memDesk
	missed []session.MissedOffer
}

func (m *offerDesk) AnswerOffer(_ context.Context, _, agentID string, now time.Time, decide func(*session.Session, routing.Agent) (store.OfferAnswer, error)) (session.Session, followup.Record, error) {
	c := m.chat
	ans, err := decide(&c, m.agents[agentID])
	if err != nil {
		return c, followup.Record{}, err
	}
	m.chat = c
	if ans.Missed != nil {
		m.missed = append(m.missed, *ans.Missed)
	}
	rec := followup.Record{ID: "answer"}
	if ans.Entry != nil {
		rec.Send = append(rec.Send, ans.Entry.Kind)
	}
	rec.Add(ans.Then)
	return c, rec, nil
}

func (m *offerDesk) Transcript(context.Context, string) ([]session.Entry, error) { return nil, nil }

func offeredDesk(t *testing.T, deadline time.Time) (*Desk, *offerDesk, *settled) {
	t.Helper()
	d, m, s := newDesk()
	m.chat.State, m.chat.AgentID, m.chat.HeldBy, m.chat.StartType = session.Queued, "", nil, session.StartInbound
	m.chat.Offer = &session.Offer{AgentID: "luis", At: deadline.Add(-config.DefaultOfferTimeout), Deadline: deadline}
	om := &offerDesk{memDesk: m}
	d.Store = om
	return d, om, s
}

func TestAcceptInTimeGivesTheChatAndGreetsTheConsumer(t *testing.T) {
	d, m, s := offeredDesk(t, time.Now().Add(time.Minute))
	luis := m.agents["luis"]
	c, err := d.Accept(context.Background(), luis, "C1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Session.State != session.Assigned || c.Session.AgentID != "luis" || c.Session.StartType != session.StartManualAnswer {
		t.Errorf("accepted chat = %+v", c.Session)
	}
	if len(s.recs) != 1 || len(s.recs[0].Send) != 1 || s.recs[0].Send[0] != "assigned" {
		t.Errorf("follow-ups = %+v, want the consumer's assigned message sent", s.recs)
	}
}

func TestAnswersToOffersAreRefusedClearly(t *testing.T) {
	ctx := context.Background()
	d, m, _ := offeredDesk(t, time.Now().Add(-time.Second))
	if _, err := d.Accept(ctx, m.agents["luis"], "C1"); !errors.Is(err, ErrOfferExpired) {
		t.Errorf("late accept = %v, want offer expired", err)
	}
	if _, err := d.Accept(ctx, m.agents["olga"], "C1"); !errors.Is(err, ErrNotYourChat) {
		t.Errorf("accept by an agent never offered the chat = %v, want not found", err)
	}
	d, m, s := offeredDesk(t, time.Now().Add(time.Minute))
	c, err := d.Decline(ctx, m.agents["luis"], "C1")
	if err != nil || c.Session.Offer != nil || !c.Session.Missed("luis") {
		t.Fatalf("decline = %+v, %v", c.Session, err)
	}
	if len(m.missed) != 1 || m.missed[0].Reason != session.MissDeclined || len(s.recs[0].Assign) != 1 {
		t.Errorf("missed %+v, follow-ups %+v; want the miss recorded and the chat passed on", m.missed, s.recs)
	}
	if _, err := d.Accept(ctx, m.agents["luis"], "C1"); !errors.Is(err, ErrOfferExpired) {
		t.Errorf("accept after declining = %v, want offer expired", err)
	}
}
