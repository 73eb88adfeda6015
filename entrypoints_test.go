package smsdesk

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// TestWebhooksStartWithOnlyTheirSettings: the carrier's webhooks start with the settings they
// use (project, public URL, the carrier's credentials), without the timer secret, Cloud Tasks
// or a media bucket; a text they cannot make durable is not acknowledged.
func TestWebhooksStartWithOnlyTheirSettings(t *testing.T) {
	for _, k := range []string{"SMSDESK_TIMER_SECRET", "SMSDESK_TASKS_QUEUE", "SMSDESK_TASKS_SERVICE_ACCOUNT", "SMSDESK_LOCAL_TIMERS", "SMSDESK_MEDIA_BUCKET"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	const public, sid, token = "https://sms.example.com", "AC0123456789abcdef0123456789abcdef", "wiringtoken"
	t.Setenv("GOOGLE_CLOUD_PROJECT", "wiring-test")
	t.Setenv("SMSDESK_PUBLIC_URL", public)
	t.Setenv("TWILIO_ACCOUNT_SID", sid)
	t.Setenv("TWILIO_AUTH_TOKEN", token)
	// Nothing listens there: the clients are made without connecting, and every call fails.
	t.Setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1")
	t.Setenv("PUBSUB_EMULATOR_HOST", "127.0.0.1:1")

	for name, fn := range map[string]http.HandlerFunc{"inbound": Inbound, "inboundfallback": InboundFallback, "status": Status} {
		w := httptest.NewRecorder()
		fn(w, httptest.NewRequest(http.MethodPost, "/"+name, strings.NewReader("Body=hi")))
		if w.Code != http.StatusForbidden {
			t.Errorf("%s: unsigned request = %d %q, want 403 from a started webhook", name, w.Code, w.Body.String())
		}
	}

	// A genuine text that can be neither published nor parked answers an error, in time for
	// the carrier to call its fallback URL.
	var wg sync.WaitGroup
	for name, fn := range map[string]http.HandlerFunc{"inbound": Inbound, "inboundfallback": InboundFallback} {
		form := url.Values{
			"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "AccountSid": {sid}, "From": {"+15551230001"},
			"To": {"+18005550100"}, "Body": {"hello"}, "NumMedia": {"0"},
		}
		r := httptest.NewRequest(http.MethodPost, "/"+name, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Twilio-Signature", carriersim.Signature(token, public+"/"+name, form))
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := httptest.NewRecorder()
			start := time.Now()
			fn(w, r)
			if took := time.Since(start); w.Code != http.StatusServiceUnavailable || took > 12*time.Second {
				t.Errorf("%s: text with Pub/Sub and Firestore unreachable = %d %q after %v, want 503 well within the carrier's 15 s", name, w.Code, w.Body.String(), took)
			}
		}()
	}
	wg.Wait()
}
