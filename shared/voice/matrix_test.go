package voice

import (
	"testing"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TestServiceMatrix holds the README's service matrix to what the code does, per service:
// the chat's start type, whether the platform sends its own (predefined) first text, whether
// the chat lives and dies with the call. The other cells are end-to-end tests
// (scripts/localrun: voice_test.go, waitsms_test.go, incall_test.go) and TestPlan (the EWT
// threshold) and desk's TestAppLaunchText.
func TestServiceMatrix(t *testing.T) {
	line := voiceLine(config.VoiceQueue{ID: "calls", SMSQueue: "tech"})
	for _, c := range []struct {
		service      string
		startType    string
		platformText string // the voice message kind of the platform's first text; "" none
		tiedToCall   bool
	}{
		{"pre-session SMS deflection", session.StartDeflection, "deflectsms", false},
		{"wait-time SMS", session.StartWaitSMS, "waitsms", true},
		{"in-call SMS", session.StartInCall, "", true},
	} {
		s := session.Session{StartType: c.startType}
		if s.TiedToCall() != c.tiedToCall {
			t.Errorf("%s: tied to the call = %v, want %v", c.service, s.TiedToCall(), c.tiedToCall)
		}
		if s.Outbound() {
			t.Errorf("%s: counted as a chat the business opened", c.service)
		}
		if c.platformText != "" && line.VoiceMessage(c.platformText, "en", nil) == "" {
			t.Errorf("%s: no platform text %q", c.service, c.platformText)
		}
		if c.platformText != "" && line.VoiceMessage(c.platformText, "es", nil) == line.VoiceMessage(c.platformText, "en", nil) {
			t.Errorf("%s: platform text %q not translated", c.service, c.platformText)
		}
	}
}
