package localrun_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/phone"
)

// TestConsumerNumberZoneDecidesQuietHours: with no time zone given for the consumer, the zone
// their phone number is in decides quiet hours, not the business number's: a notification at
// midday for the business is refused while it is night where the consumer's number is.
func TestConsumerNumberZoneDecidesQuietHours(t *testing.T) {
	day, _, key := outboundFixture(t, 12, 50)
	// Numbers of one zone each, around the world: at any hour one of them is in the night.
	var night string
	for _, n := range []string{"+14155550100", "+12125550123", "+442079460958", "+81312345678", "+61298765432", "+912212345678", "+551123456789"} {
		loc, ok := phone.TimeZone(n)
		if !ok {
			t.Fatalf("%s has no single time zone", n)
		}
		if h := time.Now().In(loc).Hour(); h < 7 || h >= 22 {
			night = n
			break
		}
	}
	if night == "" {
		t.Fatal("no number of the list is in its night now")
	}
	code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": day, "to": night, "body": "sale!", "consent": consent()})
	if code != 422 || r.Error.Code != "quiet_hours" {
		t.Errorf("notification to %s in its night (midday for the business) = %d %+v, want 422 quiet_hours", night, code, r.Error)
	}
	// A number the plan does not place in one zone (+1 555) keeps the business number's.
	if code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": day, "to": consumerPhone(), "body": "sale!", "consent": consent()}); code != http.StatusAccepted {
		t.Errorf("notification at the business's midday to a number of no single zone = %d %+v", code, r.Error)
	}
}
