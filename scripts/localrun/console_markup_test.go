package localrun_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smsdesk/smsdesk/internal/browsertest"
)

// texts is the text of every element sel matches.
func (p *tab) texts(sel string) []string {
	p.t.Helper()
	got, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(function (e) { return e.textContent; })`, sel)))
	if err != nil {
		p.t.Fatalf("texts of %s: %v", sel, err)
	}
	return got
}

// waitExactText waits until one of the elements sel matches has exactly the text want.
func (p *tab) waitExactText(sel, want string) {
	p.t.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).some(function (e) { return e.textContent === %q; })`, sel, want)
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		p.t.Fatalf("no %s reads exactly %q (at %s; they read %q): %v", sel, want, p.location(), p.texts(sel), err)
	}
}

// noMarkupRan fails the test when text shown on the page became elements (the markup the
// test's texts hold: an image of "x", an inline script, bold) or opened a dialog.
func (p *tab) noMarkupRan(where string) {
	p.t.Helper()
	if p.eval(`document.querySelector("img[src='x'], script:not([src]), main b, nav b") !== null`) {
		p.t.Errorf("%s: text became elements", where)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.dialogs) > 0 {
		p.t.Errorf("%s: text opened dialogs: %q", where, p.dialogs)
	}
}

// TestConsoleShowsConsumerMarkupAsText: a consumer's texts with markup show as those
// characters, and run nothing, wherever they appear: the inbox's last-message preview, the
// transcript, and (after Ana transfers the chat to Tech with a note) Carl's inbox and transcript, and
// Dora's monitoring page and the read-only chat she opens from it; so do a private note and a
// transfer note holding markup.
func TestConsoleShowsConsumerMarkupAsText(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	// Ana signs in with a console password this time.
	putAgent(t, f, "ana", map[string]any{"name": "Ana", "queues": []string{f.Prefix + "-billing", f.Prefix + "-tech"}, "capacity": 2,
		"languages": []string{"en"}, "password": "ana-console-password"})
	b := browsertest.Start(t, 1280, 800)
	ana, carl, dora := openTab(t, b), openTab(t, b), openTab(t, b)
	ana.do(chromedp.Navigate(ana.base+"/signin"), chromedp.SendKeys(chromedp.CSS("#agent"), f.Prefix+"-ana"),
		chromedp.SendKeys(chromedp.CSS("#password"), "ana-console-passwore\r"), chromedp.WaitVisible(chromedp.CSS(".signin .alert-error")))
	ana.do(chromedp.SendKeys(chromedp.CSS("#password"), "ana-console-password\r"), chromedp.WaitVisible(chromedp.CSS("#inbox")))
	ana.setStatus("available")
	// Carl, in Tech, waits longer than Ana for a chat, so the transfer goes to him.
	carl.signIn(f.Tokens["carl"])
	carl.setStatus("available")
	phone := queueForBilling(t, ctx, f)
	id := ana.waitChat("")
	const img, script = `<img src=x onerror=alert(1)>`, `<script>alert(2)</script><b>bold</b>`
	waitApplied(t, ctx, f.Number, phone, text(t, phone, f.Number, img))
	ana.waitExactText(".chat-item .last", img)
	waitApplied(t, ctx, f.Number, phone, text(t, phone, f.Number, script))
	ana.waitExactText(".chat-item .last", script)
	ana.noMarkupRan("Ana's inbox")

	ana.openChat(id)
	ana.waitText(".line-consumer .body", script)
	if got := ana.texts(".line-consumer .body"); len(got) < 2 || !slices.Equal(got[len(got)-2:], []string{img, script}) {
		t.Errorf("consumer lines = %q, want the texts as typed", got)
	}
	const note, handover = `<img src=x onerror=alert(3)> call back at <b>5</b>`, `<script>alert(4)</script> wants a <b>refund</b>`
	ana.act(chromedp.SendKeys(chromedp.CSS("#note-body"), note), chromedp.Click(chromedp.CSS(`form[action$="/notes"] button`)))
	ana.waitExactText(".note-list .body", note)
	ana.act(chromedp.Click(chromedp.CSS("details.transfer summary")), chromedp.SetValue(chromedp.CSS("#transfer-queue"), f.Prefix+"-tech"),
		chromedp.SendKeys(chromedp.CSS("#transfer-note"), handover), chromedp.Click(chromedp.CSS(`form[action$="/transfer"] button[type=submit]`)))
	ana.waitText("#flash", "Transferred to queue "+f.Prefix+"-tech")
	ana.waitExactText(".line-event .body", handover)
	ana.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#transcript")))
	ana.noMarkupRan("Ana's chat")

	// Carl gets the chat: the preview, the transcript, the note and the transfer note.
	carl.waitChat(id)
	carl.waitExactText(".chat-item .last", script)
	carl.noMarkupRan("Carl's inbox")
	carl.openChat(id)
	carl.waitExactText(".line-event .body", handover)
	carl.waitExactText(".note-list .body", note)
	if got := carl.texts(".line-consumer .body"); !slices.Contains(got, img) || !slices.Contains(got, script) {
		t.Errorf("Carl's consumer lines = %q", got)
	}
	carl.noMarkupRan("Carl's chat")

	// Dora, supervising, on the monitoring page and in the chat she opens from it.
	dora.signIn(f.Tokens["dora"])
	dora.do(chromedp.Navigate(dora.base+"/monitor"), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#in-progress tr[data-chat=%q]", id))))
	dora.ready()
	dora.noMarkupRan("the monitoring page")
	dora.do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#in-progress tr[data-chat=%q] a.consumer", id))), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#chat[data-chat=%q]", id))))
	dora.waitExactText(".line-event .body", handover)
	dora.waitExactText(".note-list .body", note)
	if got := dora.texts(".line-consumer .body"); !slices.Contains(got, img) || !slices.Contains(got, script) {
		t.Errorf("Dora's consumer lines = %q", got)
	}
	dora.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#transcript")))
	dora.noMarkupRan("the chat Dora opened from monitoring")
}
