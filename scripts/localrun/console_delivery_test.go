package localrun_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/smsdesk/smsdesk/internal/browsertest"
)

// TestConsoleDeliveryShowsInTheOpenChat: Ana's reply shows "Sending" when she sends it and
// "Delivered" once the carrier reports it, in the open chat and without a reload, although a
// delivery status changes only the transcript entry (no chat change is pushed for it).
func TestConsoleDeliveryShowsInTheOpenChat(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	b := browsertest.Start(t, 1280, 800)
	ana := openTab(t, b)
	ana.signIn(f.Tokens["ana"])
	ana.setStatus("available")
	phone := queueForBilling(t, ctx, f)
	id := ana.waitChat("")
	ana.openChat(id)
	ana.eval(`(window.notReloaded = true) === true`)
	ana.act(chromedp.SendKeys(chromedp.CSS("#reply-body"), "Your parcel left the depot this morning\r"))
	expectSMSWith(t, ctx, phone, "Your parcel left the depot")
	ana.waitText(".line-agent .delivery", "Delivered")
	if !ana.eval(`window.notReloaded === true`) {
		t.Errorf("the delivery status took a reload to show")
	}
}
