package localrun_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smsdesk/smsdesk/internal/browsertest"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/consoleauth"
)

// TestConsoleAnswersATextedInConsumer: Ana signs in and goes available; a consumer texts in
// and the chat comes to her inbox; she replies with Enter and with a predefined message (both
// reach the phone), transfers the chat to the Tech queue with a note, and Carl, signed in in
// another browser, gets it there and ends it.
func TestConsoleAnswersATextedInConsumer(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	b := browsertest.Start(t, 1280, 800)
	ana, carl := openTab(t, b), openTab(t, b)
	ana.signIn(f.Tokens["ana"])
	ana.setStatus("available")
	carl.signIn(f.Tokens["carl"])
	carl.setStatus("available")

	phone := queueForBilling(t, ctx, f)
	id := ana.waitChat("")
	ana.waitText(".chat-item .last", "billing")
	ana.openChat(id)
	ana.waitText(".line-consumer .body", "Hi, my order is late")

	ana.act(chromedp.SendKeys(chromedp.CSS("#reply-body"), "Let me check that for you\r"))
	expectSMSWith(t, ctx, phone, "Let me check that for you")
	ana.waitText(".line-agent .body", "Let me check that for you")

	// The tab goes to the background: the consumer's next text shows in the open chat without
	// a reload, counts in the tab's title and raises a desktop notification.
	ana.eval(`(function () {
		window.notified = [];
		window.Notification = function (title, o) { window.notified.push(title + ": " + o.body); };
		window.Notification.permission = "granted";
		Object.defineProperty(document, "hidden", {configurable: true, get: function () { return true; }});
		document.dispatchEvent(new Event("visibilitychange"));
		return true;
	})()`)
	text(t, phone, f.Number, "Any news?")
	ana.waitText(".line-consumer .body", "Any news?")
	ana.waitText("title", "(1) ")
	if !ana.eval(`window.notified.length === 1 && window.notified[0].indexOf("1 unread message") >= 0`) {
		got, _ := chromedp.Run(ana.ctx, chromedp.Evaluate[[]string](`window.notified`))
		t.Errorf("desktop notifications: %q, want one for 1 unread message", got)
	}
	ana.eval(`(function () {
		Object.defineProperty(document, "hidden", {configurable: true, get: function () { return false; }});
		document.dispatchEvent(new Event("visibilitychange"));
		return true;
	})()`)
	// Back in view, the chat is read again: no unread count is left, in the title either.
	if _, err := chromedp.Run(ana.ctx, chromedp.Poll[bool](`document.title.indexOf("(") !== 0 && document.getElementById("inbox").dataset.unread === "0"`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("back in the foreground the title is %q", ana.text("title"))
	}

	ana.act(chromedp.SendKeys(chromedp.CSS("#var-greet-order"), "A-17"), chromedp.Click(chromedp.CSS("form.predefined button[type=submit]")))
	expectSMSWith(t, ctx, phone, "Hi, I'm Ana from Shop "+f.Prefix+". Is this about order A-17?")
	ana.waitText(".line-agent .body", "Is this about order A-17?")

	ana.act(chromedp.Click(chromedp.CSS("details.transfer summary")), chromedp.SetValue(chromedp.CSS("#transfer-queue"), f.Prefix+"-tech"), chromedp.SendKeys(chromedp.CSS("#transfer-note"), "wants a refund"),
		chromedp.Click(chromedp.CSS(`form[action$="/transfer"] button[type=submit]`)))
	ana.waitText("#flash", "Transferred to queue "+f.Prefix+"-tech")
	if ana.eval(`document.getElementById("reply-body") !== null`) {
		t.Errorf("after the transfer Ana can still reply")
	}

	carl.waitChat(id)
	carl.openChat(id)
	carl.waitText(".line-event", "wants a refund")
	carl.act(chromedp.Click(chromedp.CSS(".end-form button")))
	carl.waitText(".line-end", "Chat ended")
	expectSMSWith(t, ctx, phone, "This chat has ended.")
}

// TestConsoleKeepsChatsToTheirAgents: Bea cannot open Ana's chat; once disabled, her session
// ends and she cannot sign in; and the cookie of a session Ana signed out of opens nothing.
func TestConsoleKeepsChatsToTheirAgents(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	b := browsertest.Start(t, 1280, 800)
	ana, bea := openTab(t, b), openTab(t, b)
	ana.signIn(f.Tokens["ana"])
	ana.setStatus("available")
	queueForBilling(t, ctx, f)
	id := ana.waitChat("")

	bea.signIn(f.Tokens["bea"])
	resp, err := chromedp.RunResponse(bea.ctx, chromedp.Navigate(bea.base+"/chats/"+id))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusNotFound || !strings.Contains(bea.text("main"), "not among yours") {
		t.Errorf("Bea opening Ana's chat = %d %q, want 404", resp.Status, bea.text("main"))
	}
	if bea.eval(`document.querySelector(".transcript, #reply-body") !== null`) {
		t.Errorf("Bea sees Ana's chat")
	}
	// An admin disables Bea: her open session ends at once, and she cannot sign in again.
	putAgent(t, f, "bea", map[string]any{"name": "Bea", "queues": []string{f.Prefix + "-general"}, "capacity": 2, "languages": []string{"es"}, "disabled": true})
	bea.do(chromedp.Navigate(bea.base+"/"), chromedp.WaitVisible(chromedp.CSS("#agent")))
	bea.do(chromedp.Click(chromedp.CSS("details.token summary")), chromedp.SendKeys(chromedp.CSS("#token"), f.Tokens["bea"]),
		chromedp.Click(chromedp.CSS("details.token button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".signin .alert-error")))

	cookies, err := chromedp.Call(ana.ctx, networkGetCookies, networkGetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	session := ""
	for _, c := range cookies.Cookies {
		if c.Name == consoleauth.CookieName {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatalf("no session cookie among %d", len(cookies.Cookies))
	}
	ana.do(chromedp.Click(chromedp.CSS(`form[action$="/signout"] button`)), chromedp.WaitVisible(chromedp.CSS("#agent")))
	req, _ := http.NewRequest("GET", ana.base+"/chats/"+id, nil)
	req.AddCookie(&http.Cookie{Name: consoleauth.CookieName, Value: session})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r2, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r2.Header.Get("Location"), "/signin") {
		t.Errorf("signed-out cookie = %d to %q, want a redirect to the sign-in page", r2.StatusCode, r2.Header.Get("Location"))
	}
}

// putAgent changes one of the fixture's agents through the admin API, as an admin does.
func putAgent(t *testing.T, f fixture, name string, body map[string]any) {
	t.Helper()
	boss := f.Prefix + "-boss"
	loadCatalog(t, config.Catalog{Agents: []config.Agent{{ID: boss, Name: "Boss", Role: "admin", Token: "token-" + boss}}})
	if code, e := adminCall(t, "token-"+boss, "PUT", "/agents/"+f.Prefix+"-"+name, body); code != http.StatusOK {
		t.Fatalf("PUT /admin/agents/%s-%s = %d %+v", f.Prefix, name, code, e)
	}
}

// TestConsoleManualAnswerAgentAcceptsAnOffer: a chat offered to a manual-answer agent shows
// in her inbox, pushed, with Accept; accepting opens the chat, which is hers to answer.
func TestConsoleManualAnswerAgentAcceptsAnOffer(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	putAgent(t, f, "ana", map[string]any{"name": "Ana", "queues": []string{f.Prefix + "-billing", f.Prefix + "-tech"}, "capacity": 2,
		"languages": []string{"en"}, "answer": "manual"})
	b := browsertest.Start(t, 1280, 800)
	ana := openTab(t, b)
	ana.signIn(f.Tokens["ana"])
	ana.setStatus("available")
	phone := queueForBilling(t, ctx, f)
	id := ana.waitChat("")
	ana.waitText(".chat-item.offered", "offered to you")
	ana.do(chromedp.Click(chromedp.CSS(`.offered form[action$="/accept"] button`)), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#chat[data-chat=%q] #reply-body", id))))
	ana.ready()
	ana.act(chromedp.SendKeys(chromedp.CSS("#reply-body"), "Thanks for waiting, I'm Ana\r"))
	expectSMSWith(t, ctx, phone, "Thanks for waiting, I'm Ana")
}
