package smsdesk

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// TestVoiceColdStart answers a signed call in a fresh process, as a new voice instance does:
// the first webhook builds the app (the Firestore, Pub/Sub and carrier clients, local timers
// for Cloud Tasks) and must still answer TwiML well within the carrier's 15 s. It logs the
// time from process start (Go runtime and every package's init included) to that answer, and
// the first and a warm answer's own times. Run it alone, in a fresh process, to measure:
//
//	SMSDESK_COLDSTART=1 FIRESTORE_EMULATOR_HOST=127.0.0.1:18086 PUBSUB_EMULATOR_HOST=127.0.0.1:18085 \
//	  go test -count=1 -run TestVoiceColdStart -v .
func TestVoiceColdStart(t *testing.T) {
	if os.Getenv("SMSDESK_COLDSTART") == "" {
		t.Skip("a measurement: set SMSDESK_COLDSTART=1 and the emulators' hosts, and run it alone")
	}
	const public, sid, token = "https://voice.example.com", "AC0123456789abcdef0123456789abcdef", "coldstarttoken"
	for k, v := range map[string]string{
		"GOOGLE_CLOUD_PROJECT": "coldstart-" + strconv.FormatInt(time.Now().UnixNano(), 36), "SMSDESK_PUBLIC_URL": public,
		"TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": token, "SMSDESK_TIMER_SECRET": "coldstart", "SMSDESK_LOCAL_TIMERS": "1",
	} {
		t.Setenv(k, v)
	}
	call := func() (int, string, time.Duration) {
		form := url.Values{"CallSid": {"CA0123456789abcdef0123456789abcdef"}, "AccountSid": {sid}, "From": {"+15551230001"},
			"To": {"+18005550100"}, "CallStatus": {"ringing"}}
		r := httptest.NewRequest(http.MethodPost, "/voice", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Twilio-Signature", carriersim.Signature(token, public+"/voice", form))
		w := httptest.NewRecorder()
		start := time.Now()
		Voice(w, r)
		return w.Code, w.Body.String(), time.Since(start)
	}
	code, body, first := call()
	sinceStart, known := sinceProcessStart()
	// An unconfigured number is rejected: a real answer, read from Firestore.
	if code != http.StatusOK || !strings.Contains(body, "<Reject") {
		t.Fatalf("first call = %d %q, want TwiML rejecting a call to an unconfigured number", code, body)
	}
	if first > 12*time.Second {
		t.Errorf("the first call took %v: too close to the carrier's 15 s", first)
	}
	_, _, warm := call()
	if known {
		t.Logf("process start to first answered call: %v", sinceStart.Round(time.Millisecond))
	}
	t.Logf("first call (builds the app): %v; warm call: %v", first.Round(time.Millisecond), warm.Round(time.Microsecond))
}

// sinceProcessStart is how long this process has run, from /proc (10 ms resolution).
func sinceProcessStart() (time.Duration, bool) {
	stat, err := os.ReadFile("/proc/self/stat")
	up, err2 := os.ReadFile("/proc/uptime")
	if err != nil || err2 != nil {
		return 0, false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 20 {
		return 0, false
	}
	ticks, err := strconv.ParseFloat(fields[19], 64) // starttime, field 22 of stat
	uptime, err2 := strconv.ParseFloat(strings.Fields(string(up))[0], 64)
	if err != nil || err2 != nil {
		return 0, false
	}
	return time.Duration((uptime - ticks/100) * float64(time.Second)), true
}
