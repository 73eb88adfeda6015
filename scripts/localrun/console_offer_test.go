package localrun_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smsdesk/smsdesk/internal/browsertest"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// longOffers gives offers a minute, so the decline, not the deadline, passes the chat on; the
// deployment's setting is put back after the test.
func longOffers(t *testing.T) settingsChange {
	settingsMu.Lock()
	before := settings.OfferTimeoutSeconds
	settingsMu.Unlock()
	t.Cleanup(func() {
		settingsMu.Lock()
		settings.OfferTimeoutSeconds = before
		settingsMu.Unlock()
	})
	return func(s *config.Settings, _ string) { s.OfferTimeoutSeconds = 60 }
}

// submitAndLoad runs steps that submit a form without htmx and waits until the page they lead
// to has loaded (a mark on the old page is gone).
func (p *tab) submitAndLoad(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	p.eval(`(window.beforeSubmit = true) === true`)
	p.do(steps...)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		// Evaluating during the navigation fails; ask again until the new page answers.
		if ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`!window.beforeSubmit && document.readyState === "complete"`)); err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the form's answer never loaded; still at %s", p.location())
		}
	}
	p.ready()
}

// TestConsoleManualAnswerAgentDeclinesAnOffer: a chat is offered to Mia, who answers by hand;
// she clicks Decline in her inbox and the offer is gone from it; the chat goes to Abe, whose
// inbox gets it pushed, and the consumer is told they chat with Abe; Sue, their supervisor,
// sees Mia's missed offer on the monitoring page without a reload, as the monitoring API
// counts it.
func TestConsoleManualAnswerAgentDeclinesAnOffer(t *testing.T) {
	f := newManualFixture(t, longOffers(t))
	ctx := testCtx(t)
	p := strings.TrimSuffix(f.Mia, "-mia")
	sue := config.Agent{ID: p + "-sue", Name: "Sue", Role: config.RoleSupervisor, Queues: []string{p + "-q"}, Capacity: 1,
		Languages: []string{"en"}, Token: "token-" + p + "-sue"}
	loadCatalog(t, config.Catalog{Queues: []config.Queue{{ID: p + "-q", Name: "Help", LineOfBusiness: p}}, Agents: []config.Agent{sue}})

	b := browsertest.Start(t, 1280, 800)
	mia, abe, sv := openTab(t, b), openTab(t, b), openTab(t, b)
	sv.signIn(sue.Token)
	sv.do(chromedp.Navigate(sv.base+"/monitor"), chromedp.WaitVisible(chromedp.CSS("#monitor")))
	sv.ready()
	sv.eval(`(window.notReloaded = true) === true`)
	missed := fmt.Sprintf("tr[data-agent=%q] td:last-child", f.Mia)
	if got := sv.text(missed); got != "0" {
		t.Errorf("Mia's missed offers today before any offer = %q, want 0", got)
	}

	mia.signIn(f.Tokens["Mia"])
	mia.setStatus("available")
	phone := consumerPhone()
	text(t, phone, f.Number, "hi")
	id := mia.waitChat("")
	offer := fmt.Sprintf(".chat-item.offered[data-chat=%q]", id)
	mia.waitText(offer, "offered to you")
	// The offer is not hers yet: the inbox counts none of its lines unread, as its card shows.
	if !mia.eval(`document.getElementById("inbox").dataset.unread === "0" && !document.querySelector("#inbox .inbox-title .badge")`) {
		t.Errorf("the inbox counts an offered chat's lines unread: %q", mia.text("#inbox .inbox-title"))
	}
	// Abe comes online while the chat is offered to Mia: it stays hers to answer.
	abe.signIn(f.Tokens["Abe"])
	abe.setStatus("available")

	mia.submitAndLoad(chromedp.Click(chromedp.CSS(offer + ` form[action$="/decline"] button`)))
	if !strings.HasSuffix(mia.location(), "/console/") || mia.eval(fmt.Sprintf(`document.querySelector(%q) !== null`, fmt.Sprintf(".chat-item[data-chat=%q]", id))) {
		t.Errorf("after Decline Mia is at %s with the chat still in her inbox: %s", mia.location(), mia.text("#inbox"))
	}
	abe.waitChat(id)
	expectSMS(t, ctx, phone, 3, "You're now chatting with Abe")
	sv.waitText(missed, "1")
	if !sv.eval(`window.notReloaded === true`) {
		t.Errorf("the missed offer took a reload of the monitoring page to show")
	}
	waitIdle(t)
	// Nothing brings the offer back to Mia.
	mia.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#inbox")))
	if n := mia.text("#inbox .count"); n != "0" {
		t.Errorf("Mia's inbox counts %s chats after declining, want 0: %s", n, mia.text("#inbox"))
	}
	if ms := missedOffers(t, ctx, f.Mia); len(ms) != 1 || ms[0].SessionID != id || ms[0].Reason != session.MissDeclined {
		t.Errorf("Mia's missed offers = %+v, want the declined one", ms)
	}
	_, v := monitorView(t, sue.Token, nil)
	for _, a := range v.Agents {
		if a.ID == f.Mia && a.MissedOffersToday != 1 {
			t.Errorf("GET /agent/monitor: Mia missed %d offers today, want 1", a.MissedOffersToday)
		}
	}
}
