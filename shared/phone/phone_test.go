package phone_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/shared/phone"
)

func TestCheckE164(t *testing.T) {
	for _, n := range []string{"+15551230001", "+18005550100", "+442079460958", "+34612345678", "+6834002"} {
		if err := phone.CheckE164(n); err != nil {
			t.Errorf("CheckE164(%q) = %v, want nil", n, err)
		}
	}
	bad := map[string]string{
		"":                  "not an E.164",
		"15551230001":       "not an E.164",
		"+1555/123":         "not an E.164",
		"../../agents/ana":  "not an E.164",
		"not-a-number":      "not an E.164",
		"+1 555 123 0001":   "not an E.164",
		"+0155512300":       "not an E.164",
		"+1555123":          "too short",
		"+155512300011":     "too long",
		"+9991234567":       "country calling code",
		"+1234567890123456": "not an E.164",
		"12345":             "not an E.164",
	}
	for n, why := range bad {
		if err := phone.CheckE164(n); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("CheckE164(%q) = %v, want an error saying %q", n, err, why)
		}
	}
}

func TestBusinessNumbersMayBeShortCodes(t *testing.T) {
	for n, want := range map[string]bool{"12345": true, "123456": true, "1234": false, "1234567": false, "+18005550100": true, "+1555/1234": false, "12a45": false} {
		if got := phone.ValidBusinessNumber(n); got != want {
			t.Errorf("ValidBusinessNumber(%q) = %v, want %v", n, got, want)
		}
	}
	if phone.ValidE164("12345") {
		t.Error("a short code passed as E.164: a consumer's From must be E.164")
	}
}

func TestNormalize(t *testing.T) {
	ok := []struct{ raw, country, want string }{
		{"(555) 123-4567", "US", "+15551234567"},
		{"555.123.4567", "us", "+15551234567"},
		{"1 (555) 123-4567", "US", "+15551234567"},
		{"+1 555 123 4567", "", "+15551234567"},
		{"+44 20 7946 0958", "", "+442079460958"},
		{"+44 20 7946 0958", "US", "+442079460958"},
		{"020 7946 0958", "GB", "+442079460958"},
		{"0044 20 7946 0958", "FR", "+442079460958"},
		{"011 44 20 7946 0958", "US", "+442079460958"},
		{"06 12 34 56 78", "FR", "+33612345678"},
		{"030 123456", "DE", "+4930123456"},
		{"06 4712 34567", "IT", "+3906471234567"},
		{"8 (912) 345-67-89", "RU", "+79123456789"},
		{"06 30 123 4567", "HU", "+36301234567"},
		{"+52 55 1234 5678", "", "+525512345678"},
		{"  +61 2 9876 5432 ", "AU", "+61298765432"},
		{"+6834002", "", "+6834002"},
	}
	for _, c := range ok {
		got, err := phone.Normalize(c.raw, c.country)
		if err != nil || got != c.want {
			t.Errorf("Normalize(%q, %q) = %q, %v; want %q", c.raw, c.country, got, err, c.want)
		}
	}
	bad := []struct{ raw, country, why string }{
		{"", "US", "empty"},
		{"   ", "US", "empty"},
		{"hello", "US", "letters"},
		{"1-800-FLOWERS", "US", "letters"},
		{"555-123-4567 x12", "US", "letters"},
		{"555-123-4567", "", "no default country"},
		{"555-123-4567", "ZZ", "ISO 3166-1"},
		{"+999 1234 5678", "", "country calling code"},
		{"555-1234", "US", "too short"},
		{"+1234567890123456", "", "phone number"},
		{"+44 12", "", "phone number"},
		{"()--", "US", "phone number"},
	}
	for _, c := range bad {
		got, err := phone.Normalize(c.raw, c.country)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("Normalize(%q, %q) = %q, %v; want an error saying %q", c.raw, c.country, got, err, c.why)
		}
	}
}

func TestKindAndCanText(t *testing.T) {
	cases := []struct {
		n       string
		kind    phone.Kind
		canText bool
	}{
		{"+447911123456", phone.Mobile, true},
		{"+34612345678", phone.Mobile, true},
		{"+14155550100", phone.MobileOrFixed, true}, // North America: mobiles look like fixed lines
		{"+442079460958", phone.Fixed, false},
		{"+18005550100", phone.TollFree, false},
		{"+15551230001", phone.Unknown, false},
		{"not-a-number", phone.Unknown, false},
	}
	for _, c := range cases {
		if got := phone.KindOf(c.n); got != c.kind {
			t.Errorf("KindOf(%q) = %s, want %s", c.n, got, c.kind)
		}
		if got := phone.CanText(c.n); got != c.canText {
			t.Errorf("CanText(%q) = %v, want %v", c.n, got, c.canText)
		}
	}
}

func TestTimeZone(t *testing.T) {
	for n, want := range map[string]string{"+14155550100": "America/Los_Angeles", "+12025550123": "America/New_York", "+34612345678": "Europe/Madrid"} {
		loc, ok := phone.TimeZone(n)
		if !ok || loc.String() != want {
			t.Errorf("TimeZone(%q) = %v, %v; want %s", n, loc, ok, want)
		}
	}
	// A number the plan does not place in one zone has none.
	for _, n := range []string{"+15551230001", "+18005550100", "12345", "x"} {
		if loc, ok := phone.TimeZone(n); ok {
			t.Errorf("TimeZone(%q) = %v, want none", n, loc)
		}
	}
}

// TestErrorsDoNotEchoHugeInput: an API caller who sends a 100,000-character "number" gets an
// error that names it, cut short.
func TestErrorsDoNotEchoHugeInput(t *testing.T) {
	huge := "+1" + strings.Repeat("5", 100000)
	_, nerr := phone.Normalize(huge, "US")
	for _, err := range []error{phone.CheckE164(huge), nerr} {
		if err == nil || len(err.Error()) > 300 {
			t.Errorf("error for a huge number: %d bytes", len(fmt.Sprint(err)))
		}
	}
}
