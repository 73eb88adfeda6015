package localrun_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smsdesk/smsdesk/internal/browsertest"
	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// TestConsolePagesAreAccessible runs axe-core (testdata/axe.min.js, vendored by
// scripts/vendor.sh) on the sign-in page, the inbox and a chat: no serious or critical
// violation of WCAG 2.1 A and AA. With SMSDESK_SCREENSHOTS=1 it also writes the screenshots
// of the inbox and a chat, at 1280×800 and 390×844, into docs/.
func TestConsolePagesAreAccessible(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	axe := axeCore(t)
	b := browsertest.Start(t, 1280, 800)
	ana := openTab(t, b)
	ana.do(chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ana.base+"/signin"), chromedp.WaitVisible(chromedp.CSS("#agent")))
	ana.checkAxe(axe, "sign-in page")
	ana.signIn(f.Tokens["ana"])
	ana.setStatus("available")

	// A few chats, one with a picture, answered in part.
	first := queueForBilling(t, ctx, f)
	id := ana.waitChat("")
	waitApplied(t, ctx, f.Number, first, text(t, first, f.Number, "The parcel arrived damaged, see the photo",
		carriersim.Media{ContentType: "image/png", Data: parcelPicture(t)}))
	second := consumerPhone()
	text(t, second, f.Number, "Hola")
	text(t, second, f.Number, "1")
	expectSMS(t, ctx, second, 3, "2 or TECH for Tech.")
	waitApplied(t, ctx, f.Number, second, text(t, second, f.Number, "tech"))
	ana.openChat(id)
	ana.act(chromedp.SendKeys(chromedp.CSS("#reply-body"), "I'm sorry to hear that. I'm sending a replacement today.\r"))
	ana.waitText(".line-agent .body", "replacement today")
	waitApplied(t, ctx, f.Number, first, text(t, first, f.Number, "Thank you! Will I get a tracking number?"))
	ana.act(chromedp.SendKeys(chromedp.CSS("#note-body"), "Replacement ordered: A-17-R. Check the courier's damage claim."),
		chromedp.Click(chromedp.CSS(`form[action$="/notes"] button`)))
	ana.waitText(".note-list", "Replacement ordered")

	ana.do(chromedp.Navigate(ana.base+"/"), chromedp.WaitVisible(chromedp.CSS("#inbox")))
	ana.waitChat("")
	ana.checkAxe(axe, "inbox")
	ana.shoot("console-inbox.png", 1280, 800)
	ana.shoot("console-inbox-phone.png", 390, 844)
	ana.do(chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ana.base+"/chats/"+id), chromedp.WaitVisible(chromedp.CSS("#reply-body")))
	ana.do(chromedp.SendKeys(chromedp.CSS("#reply-body"), "Yes, it comes by text within the hour."))
	ana.checkAxe(axe, "chat")
	ana.shoot("console-chat.png", 1280, 800)
	ana.shoot("console-chat-phone.png", 390, 844)
	ana.do(chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ana.base+"/chats/"+id), chromedp.WaitVisible(chromedp.CSS("#reply-body")))
	ana.ready()

	// Shift+Enter breaks the line without sending; Alt+N opens the next chat with unread
	// messages (the Tech chat, never opened).
	ana.do(chromedp.SendKeys(chromedp.CSS("#reply-body"), "Line one"), chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierShift)),
		chromedp.SendKeys(chromedp.CSS("#reply-body"), "line two"))
	if v, err := chromedp.Run(ana.ctx, chromedp.Value(chromedp.CSS("#reply-body"))); err != nil || v != "Line one\nline two" {
		t.Errorf("after Shift+Enter the reply box holds %q (%v), want two lines", v, err)
	}
	ana.eval(`(document.getElementById("reply-body").value = "") === ""`)
	ana.do(chromedp.KeyEvent("n", chromedp.KeyModifiers(chromedp.ModifierAlt)))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if loc := ana.location(); strings.Contains(loc, "/chats/") && !strings.Contains(loc, id) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Alt+N from chat %s stayed at %s", id, ana.location())
		}
	}
	ana.do(chromedp.WaitVisible(chromedp.CSS("#chat")))
}

// parcelPicture is a photo-like picture of a dented parcel, for the screenshots.
func parcelPicture(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 480, 320))
	for y := 0; y < 320; y++ {
		for x := 0; x < 480; x++ {
			img.Set(x, y, color.RGBA{uint8(200 - y/8), uint8(214 - y/10), uint8(228 - y/12), 255}) // wall
			if y > 230 {
				img.Set(x, y, color.RGBA{150, 120, 90, 255}) // floor
			}
			in := x > 120 && x < 360 && y > 90 && y < 270
			dent := (x-300)*(x-300)+(y-130)*(y-130) < 900
			switch {
			case in && dent:
				img.Set(x, y, color.RGBA{120, 84, 44, 255})
			case in && (y-180)*(y-180) < 36:
				img.Set(x, y, color.RGBA{220, 200, 150, 255}) // tape
			case in:
				img.Set(x, y, color.RGBA{176, 130, 78, 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkAxe runs axe-core on the page and fails on serious and critical violations.
// axeCore is the accessibility checker the browser tests inject, vendored by scripts/vendor.sh.
func axeCore(t *testing.T) []byte {
	t.Helper()
	axe, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		t.Fatalf("%v: run scripts/vendor.sh", err)
	}
	return axe
}

func (p *tab) checkAxe(axe []byte, what string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void](string(axe))); err != nil {
		p.t.Fatalf("inject axe-core: %v", err)
	}
	got, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(function (r) {
		return r.violations.filter(function (v) { return v.impact === "serious" || v.impact === "critical"; }).map(function (v) {
			return v.id + " (" + v.impact + "): " + v.help + " at " + v.nodes.map(function (n) { return n.target.join(" "); }).join(", ");
		});
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("run axe-core on the %s: %v", what, err)
	}
	if len(got) > 0 {
		p.t.Errorf("axe-core on the %s:\n%s", what, strings.Join(got, "\n"))
	}
}

// shoot writes a screenshot of the page at width×height into docs/, when asked.
func (p *tab) shoot(name string, width, height int64) {
	p.t.Helper()
	if os.Getenv("SMSDESK_SCREENSHOTS") != "1" {
		return
	}
	loc := p.location()
	mobile := func(o *emulationParams, _ *touchParams) {}
	if width < 600 {
		mobile = chromedp.EmulateMobile
	}
	p.do(chromedp.EmulateViewport(width, height, mobile), chromedp.Navigate(loc), chromedp.WaitVisible(chromedp.CSS(".topbar")))
	if strings.Contains(loc, "/chats/") && width >= 600 {
		p.do(chromedp.SendKeys(chromedp.CSS("#reply-body"), "Yes, it comes by text within the hour."))
	}
	shot, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", name), shot, 0o644); err != nil {
		p.t.Fatal(err)
	}
}
