package localrun_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smsdesk/smsdesk/internal/browsertest"
)

// TestConsoleMonitorFollowsAChat: Dora, a supervisor, watches the monitoring page while a
// consumer texts in (future), Ana takes the chat through the agent API (in progress) and ends
// it (past), all without a reload; Dora opens the live chat read-only; a filter naming an
// unknown queue says so; Ana, an agent, is refused the page. With SMSDESK_SCREENSHOTS=1 it
// writes docs/console-monitor.png (1280×800).
func TestConsoleMonitorFollowsAChat(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	axe := axeCore(t)
	b := browsertest.Start(t, 1280, 800)
	dora, ana := openTab(t, b), openTab(t, b)
	dora.signIn(f.Tokens["dora"])
	dora.do(chromedp.Click(chromedp.CSS(`.topnav a[href$="/monitor"]`)), chromedp.WaitVisible(chromedp.CSS("#monitor")))
	dora.ready()
	// A mark on the page that a reload would lose.
	dora.eval(`(window.notReloaded = true) === true`)
	row := func(section, id string) string { return fmt.Sprintf("#%s tr[data-chat=%q]", section, id) }
	waitRow := func(section, id string) {
		t.Helper()
		if _, err := chromedp.Run(dora.ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, row(section, id)),
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatalf("chat %s never showed in %s on the monitoring page: %v", id, section, err)
		}
	}

	phone := queueForBilling(t, ctx, f)
	id := activeSession(t, ctx, f.Number, phone)
	waitRow("future", id)
	dora.waitText(row("future", id), "queued")
	dora.waitText(row("future", id), "Billing")
	dora.waitText(fmt.Sprintf("tr[data-queue=%q] .q-waiting", f.Prefix+"-billing"), "1")

	api(t, f.Tokens["ana"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	waitRow("in-progress", id)
	dora.waitText(row("in-progress", id), "Ana")
	dora.waitText(fmt.Sprintf("tr[data-agent=%q]", f.Prefix+"-ana"), "1 of 2")
	if dora.eval(fmt.Sprintf(`document.querySelector(%q) !== null`, row("future", id))) {
		t.Errorf("the chat in progress is still among future chats")
	}
	dora.checkAxe(axe, "monitoring page")
	dora.shoot("console-monitor.png", 1280, 800)
	if os.Getenv("SMSDESK_SCREENSHOTS") == "1" { // shoot reloaded the page
		dora.ready()
		dora.eval(`(window.notReloaded = true) === true`)
	}

	// Dora opens the live chat: the transcript, and no reply box or actions.
	dora.do(chromedp.Click(chromedp.CSS(row("in-progress", id)+" a.consumer")), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#chat[data-chat=%q]", id))))
	dora.waitText(".line-consumer .body", "Hi, my order is late")
	if dora.eval(`document.querySelector("#reply-body, .end-form, details.transfer") !== null`) {
		t.Errorf("a supervisor opening Ana's chat gets a reply box or actions")
	}
	dora.do(chromedp.NavigateBack(), chromedp.WaitVisible(chromedp.CSS("#monitor")))
	dora.ready()
	dora.eval(`(window.notReloaded = true) === true`)

	api(t, f.Tokens["ana"], "POST", "/chats/"+id+"/end", nil, nil)
	waitRow("past", id)
	dora.waitText(row("past", id), "ended")
	if !dora.eval(`window.notReloaded === true && document.querySelector(` + fmt.Sprintf("%q", row("in-progress", id)) + `) === null`) {
		t.Errorf("the ended chat took a reload to show, or is still in progress")
	}

	// Past chats filter by agent; an unknown queue is an error beside the form.
	// The filtered page must have loaded before the next navigation, or that one aborts it.
	dora.do(chromedp.SetValue(chromedp.CSS("#f-agent"), f.Prefix+"-ana"), chromedp.Click(chromedp.CSS(".filter button[type=submit]")))
	loaded := fmt.Sprintf(`new URLSearchParams(location.search).get("agent") === %q && document.readyState === "complete"`, f.Prefix+"-ana")
	for deadline := time.Now().Add(20 * time.Second); ; {
		// Evaluating during the navigation fails; ask again until the new page answers.
		if ok, err := chromedp.Run(dora.ctx, chromedp.Evaluate[bool](loaded)); err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the filter by agent never loaded: %s", dora.location())
		}
		time.Sleep(100 * time.Millisecond)
	}
	dora.ready()
	dora.do(chromedp.WaitVisible(chromedp.CSS(row("past", id))))
	dora.do(chromedp.Navigate(dora.base+"/monitor?queue=no-such-queue"), chromedp.WaitVisible(chromedp.CSS("#filter-error")))
	dora.waitText("#filter-error", `No queue "no-such-queue" on your lines of business`)

	// An agent has no Monitoring link and is refused the page.
	ana.signIn(f.Tokens["ana"])
	if ana.eval(`document.querySelector('.topnav a[href$="/monitor"]') !== null`) {
		t.Errorf("an agent's top bar links to monitoring")
	}
	status, err := chromedp.Run(ana.ctx, chromedp.Evaluate[int](`fetch(document.body.dataset.base + "/monitor").then(function (r) { return r.status; })`, chromedp.EvalAwaitPromise))
	if err != nil || status != 403 {
		t.Errorf("an agent's GET /console/monitor = %d (%v), want 403", status, err)
	}
}
