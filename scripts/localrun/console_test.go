package localrun_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/smsdesk/smsdesk/internal/browsertest"
)

// consoleURL is the console function as the local stack serves it.
func consoleURL(*testing.T) string { return runner.BaseURL + "/console" }

// tab is one agent's browser tab: it counts JavaScript dialogs (an alert run by a consumer's
// text would open one) and keeps the console's messages (a CSP violation shows there).
type tab struct {
	t       *testing.T
	ctx     context.Context
	base    string
	mu      sync.Mutex
	dialogs []string
	logs    []string
}

func openTab(t *testing.T, b *browsertest.Browser) *tab {
	t.Helper()
	p := &tab{t: t, ctx: b.Tab(t, 90*time.Second), base: consoleURL(t)}
	dialogs := chromedp.Events(p.ctx, page.JavascriptDialogOpening)
	logs := chromedp.Console(p.ctx)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.dialogs = append(p.dialogs, ev.Message)
			p.mu.Unlock()
			_, _ = chromedp.Call(p.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	go func() {
		for m, err := range logs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.logs = append(p.logs, string(m.Type)+": "+m.Text)
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, l := range p.logs {
			if strings.Contains(l, "Content Security Policy") || strings.HasPrefix(l, "exception") {
				t.Errorf("browser console: %s", l)
			}
		}
	})
	return p
}

func (p *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		// The tab's deadline may be what ended the steps: look at the page without it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), 5*time.Second)
		defer cancel()
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText.slice(0, 500)`))
		p.t.Fatalf("browser: %v; the page: %s", err, body)
	}
}

func (p *tab) location() string {
	l, _ := chromedp.Run(p.ctx, chromedp.Location())
	return l
}

func (p *tab) eval(js string) bool {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func (p *tab) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// ready waits until the page has loaded its scripts (htmx listens for the agent's input).
func (p *tab) ready() {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`document.readyState === "complete" && !!window.htmx`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		p.t.Fatalf("the page at %s never loaded its scripts: %v", p.location(), err)
	}
}

// signIn signs in with the agent's token on the sign-in page.
func (p *tab) signIn(token string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base+"/signin"), chromedp.Click(chromedp.CSS("details.token summary")),
		chromedp.SendKeys(chromedp.CSS("#token"), token), chromedp.Click(chromedp.CSS("details.token button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#inbox")))
	p.ready()
}

// setStatus picks a status in the top bar, as an agent does.
func (p *tab) setStatus(status string) {
	p.t.Helper()
	p.ready()
	p.eval(fmt.Sprintf(`(function () { var s = document.getElementById("status"); s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, status))
	p.do(chromedp.WaitVisible(chromedp.CSS("#status.status-" + status)))
}

// waitChat waits, without reloading the page, until the inbox lists a chat (the first one
// when id is empty), pushed by the server, and returns its id.
func (p *tab) waitChat(id string) string {
	p.t.Helper()
	sel := ".chat-item"
	if id != "" {
		sel = fmt.Sprintf(".chat-item[data-chat=%q]", id)
	}
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, sel),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		p.t.Fatalf("no chat %q in the inbox at %s: %v", id, p.location(), err)
	}
	got, err := chromedp.Run(p.ctx, chromedp.AttributeValue(chromedp.CSS(sel), "data-chat"))
	if err != nil || !got.Exists {
		p.t.Fatalf("chat id of %s: %v", sel, err)
	}
	return got.Value
}

// openChat opens a chat from the inbox. A click that lands while a pushed change replaces
// the inbox is lost, as it would be for a person, who clicks again: so does this.
func (p *tab) openChat(id string) {
	p.t.Helper()
	item, chat := chromedp.CSS(fmt.Sprintf(".chat-item[data-chat=%q]", id)), fmt.Sprintf("#chat[data-chat=%q]", id)
	for try := 0; ; try++ {
		err := chromedp.Do(p.ctx, chromedp.Click(item))
		for deadline := time.Now().Add(3 * time.Second); err == nil && !strings.HasSuffix(p.location(), "/chats/"+id); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				err = fmt.Errorf("still at %s after the click", p.location())
			}
		}
		if err == nil {
			break
		}
		if try == 3 {
			p.t.Fatalf("open chat %s: %v", id, err)
		}
	}
	p.do(chromedp.WaitVisible(chromedp.CSS(chat)))
	p.ready()
}

// act runs steps that post a form of the open chat and waits until the chat pane the answer
// brings has replaced the old one (live updates may show the change before it).
func (p *tab) act(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	p.eval(`(document.getElementById("chat").dataset.old = "1") === "1"`)
	p.do(steps...)
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`(function () { var c = document.getElementById("chat");
		return c !== null && !c.dataset.old && document.querySelector(".htmx-request") === null; })()`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		p.t.Fatalf("the chat pane was never replaced after the action at %s: %v", p.location(), err)
	}
}

// reloadUntil reloads the page, as an agent waiting for a change would, until js is true.
func (p *tab) reloadUntil(js, what string) {
	p.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		p.do(chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
		if p.eval(js) {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s never showed at %s, reloading: %s", what, p.location(), p.text("main"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitText waits until the element's text contains want.
func (p *tab) waitText(sel, want string) {
	p.t.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).some(function (e) { return e.textContent.indexOf(%q) >= 0; })`, sel, want)
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		p.t.Fatalf("%s never showed %q (at %s): %v", sel, want, p.location(), err)
	}
}

// expectSMSWith waits until the consumer's phone got a message containing want.
func expectSMSWith(t *testing.T, ctx context.Context, phone, want string) {
	t.Helper()
	for {
		for _, m := range sentTo(phone) {
			if strings.Contains(m.Body, want) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no message to %s contains %q; sent: %q", phone, want, bodies(sentTo(phone)))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// queueForBilling texts in as a new consumer and picks English, then Billing.
func queueForBilling(t *testing.T, ctx context.Context, f fixture) string {
	t.Helper()
	phone := consumerPhone()
	queueForBillingFrom(t, ctx, f, phone)
	return phone
}

// queueForBillingFrom texts in from phone and picks English, then Billing.
func queueForBillingFrom(t *testing.T, ctx context.Context, f fixture, phone string) {
	t.Helper()
	text(t, phone, f.Number, "Hi, my order is late")
	text(t, phone, f.Number, "1")
	expectSMS(t, ctx, phone, 3, "2 or TECH for Tech.")
	text(t, phone, f.Number, "billing")
}

// The protocol command that reads the tab's cookies.
var networkGetCookies = network.GetCookies

type networkGetCookiesParams = network.GetCookiesParams

type (
	emulationParams = emulation.SetDeviceMetricsOverrideParams
	touchParams     = emulation.SetTouchEmulationEnabledParams
)
