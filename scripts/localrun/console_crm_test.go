package localrun_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/smsdesk/smsdesk/internal/browsertest"
	"github.com/smsdesk/smsdesk/shared/crm"
)

// TestConsoleAgentPicksTheCRMContact: two consumers each text from a number several CRM
// contacts share. In the first chat Ana sees both contacts, is told to choose when she sends
// the form empty, picks "Pat Work", and the choice sticks: a reload shows the chat linked to
// that contact, and once the chat ends its record is on that contact alone. In the second
// chat (one contact's name is markup, shown as text) she asks for a new contact, which the
// chat is linked to.
func TestConsoleAgentPicksTheCRMContact(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	c := builtinCRM()
	contacts := func(phone string, names ...string) []crm.Contact {
		t.Helper()
		var out []crm.Contact
		for _, n := range names {
			ct, err := c.CreateContact(ctx, crm.Contact{Phone: phone, Name: n, Email: "pat@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ct)
		}
		return out
	}
	first, second := consumerPhone(), consumerPhone()
	pats := contacts(first, "Pat Home", "Pat Work")
	const markup = `<img src=x onerror=alert(3)>`
	lees := contacts(second, "Lee Senior", markup)

	b := browsertest.Start(t, 1280, 800)
	ana := openTab(t, b)
	ana.signIn(f.Tokens["ana"])
	ana.setStatus("available")
	queueForBillingFrom(t, ctx, f, first)
	id := ana.waitChat("")
	ana.openChat(id)
	// The chat reaches the CRM after Ana has it; she reloads until she is asked.
	asked := `document.querySelector('form[action$="/contact"]') !== null`
	ana.reloadUntil(asked, "the contact pick")
	ana.ready()
	got, err := chromedp.Run(ana.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('form[action$="/contact"] label.radio')).map(function (l) { return l.textContent.trim(); })`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Pat Home · pat@example.com", "Pat Work · pat@example.com", "A new contact"}; !slices.Equal(got, want) {
		t.Errorf("contacts offered = %q, want %q", got, want)
	}

	submit := chromedp.Click(chromedp.CSS(`form[action$="/contact"] button[type=submit]`))
	ana.act(submit)
	ana.waitText("#flash .alert-error", "Choose a contact, or a new one.")
	if !ana.eval(asked) {
		t.Errorf("after an empty pick the contacts are no longer offered")
	}
	pick := func(contactID string) {
		t.Helper()
		ana.act(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=contact][value=%q]`, contactID))), submit)
		ana.waitText("#flash .alert-ok", "The chat goes to the contact you chose.")
		if ana.eval(asked) {
			t.Errorf("the contacts are still offered after the pick")
		}
	}
	pick(pats[1].ID)
	linkedTo := func(contactID string) string {
		return fmt.Sprintf(`(function () { var c = document.querySelector(".crm code"); return c !== null && c.textContent === %q; })()`, contactID)
	}
	ana.reloadUntil(linkedTo(pats[1].ID), "the link to Pat Work")
	ana.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".crm code")))
	if !ana.eval(linkedTo(pats[1].ID)) || ana.eval(asked) {
		t.Errorf("after a reload the chat is not linked to Pat Work: %s", ana.text(".tools"))
	}
	if st, err := runner.Store.CRMState(ctx, id); err != nil || st.ContactID != pats[1].ID {
		t.Errorf("the chat's CRM record = %+v, %v; want contact %s", st, err, pats[1].ID)
	}
	ana.ready()
	ana.act(chromedp.Click(chromedp.CSS(".end-form button")))
	waitSynced(t, ctx, id)
	if got := typesOf(recordedEvents(t, ctx, pats[1].ID)); !slices.Equal(got, []string{crm.EventChatConnected, crm.EventChatEnded, crm.EventTranscript}) {
		t.Errorf("events on Pat Work = %q", got)
	}
	if got := recordedEvents(t, ctx, pats[0].ID); len(got) != 0 {
		t.Errorf("Pat Home, not picked, got events: %q", typesOf(got))
	}

	// The second consumer: a contact's name that is markup shows as those characters.
	queueForBillingFrom(t, ctx, f, second)
	id2 := activeSession(t, ctx, f.Number, second)
	ana.waitChat(id2)
	ana.openChat(id2)
	ana.reloadUntil(asked, "the second contact pick")
	ana.ready()
	if !ana.eval(fmt.Sprintf(`document.querySelector('input[value=%q]').parentElement.textContent.indexOf(%q) >= 0`, lees[1].ID, markup)) ||
		ana.eval(`document.querySelector('.tools img') !== null`) {
		t.Errorf("a contact's name that is markup did not show as text: %s", ana.text(".tools"))
	}
	pick("new")
	ana.reloadUntil(`document.querySelector(".crm code") !== null`, "the link to a new contact")
	st, err := runner.Store.CRMState(ctx, id2)
	if err != nil || st.ContactID == "" || st.ContactID == lees[0].ID || st.ContactID == lees[1].ID || !ana.eval(linkedTo(st.ContactID)) {
		t.Fatalf("after asking for a new contact the chat's CRM record = %+v, %v; the page shows %q", st, err, ana.text(".crm"))
	}
	found, err := c.FindContacts(ctx, second)
	if err != nil || len(found) != 3 || !slices.ContainsFunc(found, func(x crm.Contact) bool { return x.ID == st.ContactID }) {
		t.Errorf("contacts with the second number = %+v, %v; want the two and the new one", found, err)
	}
	ana.mu.Lock()
	defer ana.mu.Unlock()
	if len(ana.dialogs) > 0 {
		t.Errorf("a contact's name opened dialogs: %q", ana.dialogs)
	}
}
