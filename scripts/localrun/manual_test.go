package localrun_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// offerTimeout is the deployment's offer timeout in these tests (offerTimeoutSeconds).
const offerTimeout = 2 * time.Second

// manualFixture is a number whose entry queue holds chats, served by Mia (manual answer) and
// Abe (auto answer), each taking one chat: the consumer's first text gets the consent and the
// wait messages, and the agent's greeting is the third. Offers last offerTimeout unless
// changes say otherwise.
type manualFixture struct {
	Number, Mia, Abe string // the agents' ids
	Tokens           map[string]string
}

func newManualFixture(t *testing.T, changes ...settingsChange) manualFixture {
	t.Helper()
	n := fixtureSeq.Add(1)
	p := fmt.Sprintf("m%d", n)
	f := manualFixture{Number: fmt.Sprintf("+1800444%04d", n), Mia: p + "-mia", Abe: p + "-abe", Tokens: map[string]string{}}
	c := config.Catalog{
		Numbers: []config.Number{{Number: f.Number, LineOfBusiness: p, EntryQueue: p + "-q", DefaultLanguage: "en", Brand: "Desk " + p, MPS: 100}},
		Queues:  []config.Queue{{ID: p + "-q", Name: "Help", LineOfBusiness: p}},
	}
	for _, a := range []struct{ id, name, answer string }{{f.Mia, "Mia", config.AnswerManual}, {f.Abe, "Abe", ""}} {
		f.Tokens[a.name] = "token-" + a.id
		c.Agents = append(c.Agents, config.Agent{ID: a.id, Name: a.name, Queues: []string{p + "-q"}, Capacity: 1, Languages: []string{"en"},
			Answer: a.answer, Token: f.Tokens[a.name]})
	}
	f.Tokens["admin"] = "token-" + p + "-root"
	c.Agents = append(c.Agents, config.Agent{ID: p + "-root", Name: "Root", Role: config.RoleAdmin, Token: f.Tokens["admin"]})
	changes = append([]settingsChange{func(s *config.Settings, _ string) { s.OfferTimeoutSeconds = int(offerTimeout / time.Second) }}, changes...)
	loadCatalog(t, c, changes...)
	return f
}

type offeredJSON struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	StartType string `json:"startType"`
	Offer     *struct {
		Deadline time.Time `json:"deadline"`
	} `json:"offer"`
}

// waitOffered waits until the agent's chats show one chat offered to them and returns it.
// offerChat makes the agent with token available and has a new consumer text in, and waits
// for the chat's offer to that agent.
func offerChat(t *testing.T, ctx context.Context, f manualFixture, token string) (string, offeredJSON) {
	t.Helper()
	api(t, token, "PUT", "/status", map[string]string{"status": "available"}, nil)
	phone := consumerPhone()
	text(t, phone, f.Number, "hi")
	return phone, waitOffered(t, ctx, token)
}

func waitOffered(t *testing.T, ctx context.Context, token string) offeredJSON {
	t.Helper()
	for {
		var res struct{ Chats []offeredJSON }
		if code := api(t, token, "GET", "/chats", nil, &res); code != http.StatusOK {
			t.Fatalf("GET /chats = %d", code)
		}
		if len(res.Chats) == 1 && res.Chats[0].Offer != nil {
			return res.Chats[0]
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no chat was offered; chats: %+v", res.Chats)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// missedOffers lists the agent's missed offers as stored for reports.
func missedOffers(t *testing.T, ctx context.Context, agentID string) []session.MissedOffer {
	t.Helper()
	ms, err := runner.Store.MissedOffers(ctx, agentID, time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func noticesOf(t *testing.T, token, typ string) []struct{ Type, ChatID, Reason string } {
	t.Helper()
	var evs struct {
		Events []struct {
			Type, ChatID, Reason string
			Deadline             time.Time
		}
	}
	api(t, token, "GET", "/events", nil, &evs)
	var out []struct{ Type, ChatID, Reason string }
	for _, e := range evs.Events {
		if e.Type == typ {
			out = append(out, struct{ Type, ChatID, Reason string }{e.Type, e.ChatID, e.Reason})
		}
	}
	return out
}

// TestManualAnswerOfferLapsesToTheNextAgent: Mia answers manually and lets the offer lapse;
// after the offer timeout the chat goes to Abe, and Mia's missed offer is on record once.
func TestManualAnswerOfferLapsesToTheNextAgent(t *testing.T) {
	f := newManualFixture(t)
	ctx := testCtx(t)
	mia, abe := f.Tokens["Mia"], f.Tokens["Abe"]
	var me struct{ Answer string }
	if api(t, mia, "GET", "/me", nil, &me); me.Answer != "manual" {
		t.Errorf("Mia's answer = %q, want manual", me.Answer)
	}
	phone, offered := offerChat(t, ctx, f, mia)
	if offered.State != "queued" || offered.StartType != "inbound" {
		t.Errorf("offered chat = %+v, want it still waiting, inbound", offered)
	}
	if until := time.Until(offered.Offer.Deadline); until <= 0 || until > offerTimeout {
		t.Errorf("offer deadline %v is not within the offer timeout", offered.Offer.Deadline)
	}
	if n := noticesOf(t, mia, "offer"); len(n) != 1 || n[0].ChatID != offered.ID {
		t.Errorf("Mia's offer notices = %+v", n)
	}
	// Abe comes online while the chat is offered to Mia: it stays hers until the deadline.
	api(t, abe, "PUT", "/status", map[string]string{"status": "available"}, nil)
	expectSMS(t, ctx, phone, 3, "You're now chatting with Abe")
	if time.Now().Before(offered.Offer.Deadline) {
		t.Errorf("the chat went to Abe before Mia's offer lapsed")
	}
	got := waitChats(t, ctx, abe, func(cs []chatJSON) bool { return len(cs) == 1 })
	var chat offeredJSON
	api(t, abe, "GET", "/chats/"+got[0].ID, nil, &chat)
	if chat.StartType != "auto_answer" || chat.Offer != nil {
		t.Errorf("Abe's chat = %+v, want auto_answer", chat)
	}
	waitIdle(t)
	ms := missedOffers(t, ctx, f.Mia)
	if len(ms) != 1 || ms[0].SessionID != offered.ID || ms[0].Reason != session.MissTimeout || ms[0].QueueID == "" {
		t.Errorf("Mia's missed offers = %+v, want one timeout", ms)
	}
	if n := noticesOf(t, mia, "offer_missed"); len(n) != 1 {
		t.Errorf("Mia's offer_missed notices = %+v", n)
	}
	var res struct{ Chats []offeredJSON }
	if api(t, mia, "GET", "/chats", nil, &res); len(res.Chats) != 0 {
		t.Errorf("Mia still sees %+v", res.Chats)
	}
	if code := api(t, mia, "POST", "/chats/"+offered.ID+"/accept", nil, nil); code != http.StatusConflict {
		t.Errorf("accepting a lapsed offer = %d, want 409", code)
	}
}

// TestManualAnswerAcceptGreetsTheConsumer: Mia accepts in time; the chat is hers as an
// assignment would make it, with start type manual_answer.
func TestManualAnswerAcceptGreetsTheConsumer(t *testing.T) {
	f := newManualFixture(t)
	ctx := testCtx(t)
	mia := f.Tokens["Mia"]
	phone, offered := offerChat(t, ctx, f, mia)
	var chat offeredJSON
	if code := api(t, mia, "POST", "/chats/"+offered.ID+"/accept", nil, &chat); code != http.StatusOK {
		t.Fatalf("accept = %d %+v", code, chat)
	}
	if chat.State != "assigned" || chat.StartType != "manual_answer" || chat.Offer != nil {
		t.Errorf("accepted chat = %+v", chat)
	}
	expectSMS(t, ctx, phone, 3, "You're now chatting with Mia")
	var me struct{ ActiveChats, Offers int }
	if api(t, mia, "GET", "/me", nil, &me); me.ActiveChats != 1 || me.Offers != 0 {
		t.Errorf("Mia after accepting = %+v, want one chat, no offer", me)
	}
	if code := api(t, mia, "POST", "/chats/"+offered.ID+"/messages", map[string]string{"body": "Hi, Mia here"}, nil); code != http.StatusCreated {
		t.Errorf("reply in the accepted chat = %d", code)
	}
	expectSMS(t, ctx, phone, 4, "Hi, Mia here")
	waitIdle(t)
	if ms := missedOffers(t, ctx, f.Mia); len(ms) != 0 {
		t.Errorf("an accepted offer was recorded missed: %+v", ms)
	}
}

// TestManualAnswerParallelAcceptsResolveToOne: two accepts of one offer at once (a double
// click): one is 200, the other 409, and the consumer is greeted once.
func TestManualAnswerParallelAcceptsResolveToOne(t *testing.T) {
	f := newManualFixture(t)
	ctx := testCtx(t)
	mia := f.Tokens["Mia"]
	phone, offered := offerChat(t, ctx, f, mia)
	codes := make([]int, 2)
	errs := make([]apiError, 2)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = api(t, mia, "POST", "/chats/"+offered.ID+"/accept", nil, &errs[i])
		}()
	}
	close(start)
	wg.Wait()
	ok, conflict := 0, 0
	for i, c := range codes {
		switch c {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
			conflict++
			if errs[i].Error.Code != "not_offered" {
				t.Errorf("the losing accept says %+v, want not_offered", errs[i])
			}
		}
	}
	if ok != 1 || conflict != 1 {
		t.Fatalf("parallel accepts = %v, want one 200 and one 409", codes)
	}
	expectSMS(t, ctx, phone, 3, "You're now chatting with Mia")
	waitIdle(t)
	if got := bodies(sentTo(phone)); len(got) != 3 {
		t.Errorf("consumer got %q; want the greeting once", got)
	}
	var me struct{ ActiveChats, Offers int }
	if api(t, mia, "GET", "/me", nil, &me); me.ActiveChats != 1 || me.Offers != 0 {
		t.Errorf("Mia after the accepts = %+v, want one chat, no offer", me)
	}
}

// TestManualAnswerDeclinePassesTheChatOn: Mia declines; the miss is recorded (declined) and
// the chat goes to Abe at once; Mia cannot take it back.
func TestManualAnswerDeclinePassesTheChatOn(t *testing.T) {
	f := newManualFixture(t)
	ctx := testCtx(t)
	mia, abe := f.Tokens["Mia"], f.Tokens["Abe"]
	phone, offered := offerChat(t, ctx, f, mia)
	api(t, abe, "PUT", "/status", map[string]string{"status": "available"}, nil)
	var chat offeredJSON
	if code := api(t, mia, "POST", "/chats/"+offered.ID+"/decline", nil, &chat); code != http.StatusOK || chat.ID != offered.ID || chat.Offer != nil {
		t.Fatalf("decline = %d %+v", code, chat)
	}
	expectSMS(t, ctx, phone, 3, "You're now chatting with Abe")
	if ms := missedOffers(t, ctx, f.Mia); len(ms) != 1 || ms[0].Reason != session.MissDeclined {
		t.Errorf("Mia's missed offers = %+v, want one declined", ms)
	}
	var e apiError
	if code := api(t, mia, "POST", "/chats/"+offered.ID+"/accept", nil, &e); code != http.StatusConflict || e.Error.Code != "offer_expired" {
		t.Errorf("accept after declining = %d %+v, want 409 offer_expired", code, e)
	}
	if code := api(t, abe, "POST", "/chats/"+offered.ID+"/accept", nil, &e); code != http.StatusConflict || e.Error.Code != "not_offered" {
		t.Errorf("Abe accepting his own chat = %d %+v, want 409 not_offered", code, e)
	}
	if code := api(t, mia, "POST", "/chats/nochat/decline", nil, &e); code != http.StatusNotFound {
		t.Errorf("declining an unknown chat = %d %+v, want 404", code, e)
	}
}

// TestManualAnswerLostOfferTimerIsSwept: the offer's timer never comes; the deadline is on
// the chat, so the sweeper records the miss and the chat goes to the next agent.
func TestManualAnswerLostOfferTimerIsSwept(t *testing.T) {
	f := newManualFixture(t)
	ctx := testCtx(t)
	mia, abe := f.Tokens["Mia"], f.Tokens["Abe"]
	api(t, mia, "PUT", "/status", map[string]string{"status": "available"}, nil)
	phone := consumerPhone()
	sid := dropPrefix + strings.Repeat("2", 16) + fmt.Sprintf("%08d", fixtureSeq.Add(1))
	if res, err := sim.SendInbound(ctx, carriersim.Inbound{From: phone, To: f.Number, Body: "hi", MessageSID: sid}); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("text: %v %d", err, res.StatusCode)
	}
	offered := waitOffered(t, ctx, mia)
	api(t, abe, "PUT", "/status", map[string]string{"status": "available"}, nil)
	time.Sleep(time.Until(offered.Offer.Deadline.Add(sweepGrace)))
	var e apiError
	if code := api(t, mia, "POST", "/chats/"+offered.ID+"/accept", nil, &e); code != http.StatusConflict || e.Error.Code != "offer_expired" {
		t.Errorf("accept after the deadline = %d %+v, want 409 offer_expired", code, e)
	}
	if err := runner.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	expectSMS(t, ctx, phone, 3, "You're now chatting with Abe")
	if err := runner.Sweep(ctx); err != nil { // a second sweep records nothing more
		t.Fatal(err)
	}
	waitIdle(t)
	if ms := missedOffers(t, ctx, f.Mia); len(ms) != 1 || ms[0].Reason != session.MissTimeout {
		t.Errorf("Mia's missed offers = %+v, want one timeout", ms)
	}
}

// TestAdminSetsAnAgentsAnswerMode: the admin API changes how an agent answers; a mode that
// does not exist is refused with what to fix.
func TestAdminSetsAnAgentsAnswerMode(t *testing.T) {
	f := newManualFixture(t)
	queue := strings.TrimSuffix(f.Abe, "-abe") + "-q"
	admin := f.Tokens["admin"]
	code, e := adminCall(t, admin, "PUT", "/agents/"+f.Abe, map[string]any{"name": "Abe", "queues": []string{queue}, "capacity": 1, "answer": "sometimes"})
	if code != http.StatusBadRequest || !strings.Contains(e.Error.Message, "must be auto or manual") {
		t.Errorf("answer \"sometimes\" = %d %+v, want 400 naming the modes", code, e)
	}
	if code, e := adminCall(t, admin, "PUT", "/agents/"+f.Abe, map[string]any{"name": "Abe", "queues": []string{queue}, "capacity": 1, "answer": "manual"}); code != http.StatusOK {
		t.Fatalf("answer manual = %d %+v", code, e)
	}
	var me struct{ Answer string }
	if api(t, f.Tokens["Abe"], "GET", "/me", nil, &me); me.Answer != "manual" {
		t.Errorf("Abe's answer = %q after the change, want manual", me.Answer)
	}
	for _, a := range adminConfig(t, admin).Agents {
		if a.ID == f.Abe && a.Answer != config.AnswerManual {
			t.Errorf("GET /admin/config shows Abe answering %q", a.Answer)
		}
	}
	// Abe now gets chats as offers.
	ctx := testCtx(t)
	api(t, f.Tokens["Abe"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	text(t, consumerPhone(), f.Number, "hi")
	waitOffered(t, ctx, f.Tokens["Abe"])
}

// TestManualAnswerAcceptRacingTheDeadlineHasOneOutcome: an accept sent as the offer lapses
// either wins (the chat is Mia's, no miss) or loses (409, one miss, the chat is Abe's); the
// consumer is greeted once either way.
func TestManualAnswerAcceptRacingTheDeadlineHasOneOutcome(t *testing.T) {
	f := newManualFixture(t)
	ctx := testCtx(t)
	mia, abe := f.Tokens["Mia"], f.Tokens["Abe"]
	phone, offered := offerChat(t, ctx, f, mia)
	api(t, abe, "PUT", "/status", map[string]string{"status": "available"}, nil)
	time.Sleep(time.Until(offered.Offer.Deadline.Add(-20 * time.Millisecond)))
	var e apiError
	code := api(t, mia, "POST", "/chats/"+offered.ID+"/accept", nil, &e)
	waitIdle(t)
	ms := missedOffers(t, ctx, f.Mia)
	greeted := bodies(sentTo(phone))
	switch code {
	case http.StatusOK:
		if len(ms) != 0 || len(greeted) != 3 || !strings.Contains(greeted[2], "Mia") {
			t.Errorf("accept won, yet missed %+v and the consumer got %q", ms, greeted)
		}
	case http.StatusConflict:
		if e.Error.Code != "offer_expired" || len(ms) != 1 || len(greeted) != 3 || !strings.Contains(greeted[2], "Abe") {
			t.Errorf("accept lost (%+v), yet missed %+v and the consumer got %q", e, ms, greeted)
		}
	default:
		t.Fatalf("accept at the deadline = %d %+v", code, e)
	}
	t.Logf("accept at the deadline: %d", code)
}
