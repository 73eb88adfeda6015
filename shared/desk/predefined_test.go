package desk

import (
	"errors"
	"testing"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TestPredefinedFillsOursFirst: {agent}, {queue} and {brand} are smsdesk's, whatever the
// agent's variables say; other placeholders come from the variables, and an empty one is
// refused.
func TestPredefinedFillsOursFirst(t *testing.T) {
	line := config.NewLine(config.Number{Number: "+18005550100", Brand: "Shop", DefaultLanguage: "en", EntryQueue: "billing"},
		[]config.Queue{{ID: "billing", Name: "Billing", Names: map[string]string{"es": "Facturación"}}})
	p := config.Predefined{ID: "refund", Language: "es", Text: "{brand} ({queue}): {agent} aquí, su reembolso {order}"}
	s := session.Session{QueueID: "billing", Language: "es"}
	vars := map[string]string{"brand": "Evil Corp", "agent": "Someone", "queue": "Elsewhere", "order": "A-17"}
	got, err := predefinedText(p, line, s, "Ana", vars)
	if want := "Shop (Facturación): Ana aquí, su reembolso A-17"; err != nil || got != want {
		t.Errorf("predefinedText = %q, %v; want %q", got, err, want)
	}
	var m *config.MissingValueError
	if _, err := predefinedText(p, line, s, "Ana", map[string]string{"order": ""}); !errors.As(err, &m) || m.Placeholder != "{order}" {
		t.Errorf("an empty variable = %v, want {order} missing", err)
	}
}

// TestAppLaunchText: the number's app link for a platform fills {applink_<platform>}, and an
// agent's variable cannot replace it; a platform the business has no link for is refused.
func TestAppLaunchText(t *testing.T) {
	line := config.NewLine(config.Number{Number: "+18005550100", Brand: "Shop", DefaultLanguage: "en", EntryQueue: "q",
		AppLinks: map[string]string{"ios": "https://apps.apple.com/app/id123", "android": "https://play.google.com/store/apps/details?id=shop"}},
		[]config.Queue{{ID: "q", Name: "Help"}})
	s := session.Session{QueueID: "q", Language: "en"}
	p := config.Predefined{ID: "app", Language: "en", Text: "Get the {brand} app: {applink_ios}"}
	got, err := predefinedText(p, line, s, "Ana", map[string]string{"applink_ios": "https://evil.example"})
	if want := "Get the Shop app: https://apps.apple.com/app/id123"; err != nil || got != want {
		t.Errorf("app-launch text = %q, %v; want %q", got, err, want)
	}
	var m *config.MissingValueError
	p.Text = "Get it: {applink_windows}"
	if _, err := predefinedText(p, line, s, "Ana", nil); !errors.As(err, &m) {
		t.Errorf("a platform without a link = %v, want it refused", err)
	}
}
