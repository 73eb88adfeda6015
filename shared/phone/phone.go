// Package phone checks and reads phone numbers with libphonenumber's metadata (the Go port,
// github.com/nyaruka/phonenumbers): E.164 form, short codes, the kind of line and its time
// zone.
package phone

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

var (
	e164Shape = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	shortCode = regexp.MustCompile(`^[0-9]{5,6}$`)
)

// CheckE164 reports why n is not a phone number in canonical E.164 form ("+" and digits
// only, as the carrier sends and stores them), or nil. The number must have a length its
// country's plan allows; it need not be in a range already allocated, because allocation
// tables lag behind the carrier, which has the last word on whether a number exists (and
// the reserved +1 555 numbers that examples and tests use are never allocated).
func CheckE164(n string) error {
	if !e164Shape.MatchString(n) {
		return fmt.Errorf("%.32q is not an E.164 phone number (a + and up to 15 digits, like +15551230001)", n)
	}
	p, err := parse(n, "")
	if err != nil {
		return fmt.Errorf("%.32q is not an E.164 phone number: %w", n, err)
	}
	if phonenumbers.Format(p, phonenumbers.E164) != n {
		return fmt.Errorf("%.32q is not an E.164 phone number: it reads as %s", n, phonenumbers.Format(p, phonenumbers.E164))
	}
	switch phonenumbers.IsPossibleNumberWithReason(p) {
	case phonenumbers.IS_POSSIBLE:
		return nil
	case phonenumbers.INVALID_COUNTRY_CODE:
		return fmt.Errorf("%.32q does not start with a country calling code", n)
	case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return fmt.Errorf("%.32q is too short for a number of +%d", n, p.GetCountryCode())
	case phonenumbers.TOO_LONG:
		return fmt.Errorf("%.32q is too long for a number of +%d", n, p.GetCountryCode())
	}
	return fmt.Errorf("%.32q has a length no number of +%d has", n, p.GetCountryCode())
}

// ValidE164 reports whether n is a phone number in canonical E.164 form (see CheckE164).
func ValidE164(n string) bool { return CheckE164(n) == nil }

// IsShortCode reports whether n is a short code (5 or 6 digits), which a business may text
// from; consumers always text from E.164 numbers.
func IsShortCode(n string) bool { return shortCode.MatchString(n) }

// ValidBusinessNumber reports whether n can be a business's number: E.164 or a short code.
func ValidBusinessNumber(n string) bool { return IsShortCode(n) || ValidE164(n) }

// Normalize turns a phone number as people write it ("(555) 123-4567", "+44 20 7946 0958",
// "020 7946 0958") into E.164. A number without a country code is read as a national number
// of defaultRegion, an ISO 3166-1 alpha-2 code ("" when there is none to assume).
func Normalize(raw, defaultRegion string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("phone number is empty")
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region != "" && !phonenumbers.GetSupportedRegions()[region] {
		return "", fmt.Errorf("phone number %.32q: default country %q is not an ISO 3166-1 alpha-2 code", raw, defaultRegion)
	}
	if phonenumbers.IsAlphaNumber(s) || strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		return "", fmt.Errorf("phone number %.32q contains letters; spell vanity numbers in digits and leave out extensions", raw)
	}
	p, err := parse(s, region)
	if err != nil {
		if region == "" && !strings.HasPrefix(s, "+") {
			return "", fmt.Errorf("phone number %.32q has no country code (+...) and no default country was given", raw)
		}
		return "", fmt.Errorf("phone number %.32q: %v", raw, err)
	}
	n := phonenumbers.Format(p, phonenumbers.E164)
	if err := CheckE164(n); err != nil {
		return "", fmt.Errorf("phone number %.32q: %w", raw, err)
	}
	return n, nil
}

// parse reads a number with libphonenumber, saying in words what is wrong with it.
func parse(n, region string) (*phonenumbers.PhoneNumber, error) {
	p, err := phonenumbers.Parse(n, region)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return nil, errors.New("it does not start with a country calling code")
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return nil, errors.New("it is too short")
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return nil, errors.New("it is too long")
	}
	return nil, errors.New("it is not a phone number")
}

// Kind is the kind of line a number is, as far as the numbering plan tells.
type Kind string

// Kinds of line. The North American plan does not tell mobile from fixed lines: its
// geographic numbers are MobileOrFixed.
const (
	Mobile        Kind = "mobile"
	MobileOrFixed Kind = "mobile_or_fixed"
	Fixed         Kind = "fixed"
	TollFree      Kind = "toll_free"
	Other         Kind = "other" // premium, shared cost, VoIP, pager, UAN, voicemail
	Unknown       Kind = "unknown"
)

// KindOf returns the kind of line of the E.164 number n (Unknown if n is not one).
func KindOf(n string) Kind {
	if !ValidE164(n) {
		return Unknown
	}
	p, err := phonenumbers.Parse(n, "")
	if err != nil {
		return Unknown
	}
	switch phonenumbers.GetNumberType(p) {
	case phonenumbers.MOBILE:
		return Mobile
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return MobileOrFixed
	case phonenumbers.FIXED_LINE:
		return Fixed
	case phonenumbers.TOLL_FREE:
		return TollFree
	case phonenumbers.UNKNOWN:
		return Unknown
	}
	return Other
}

// CanText reports whether a caller on n may be offered to continue by text: a mobile, or a
// number of a plan where mobiles and fixed lines look alike. Fixed lines, toll-free and
// unknown numbers are not offered.
func CanText(n string) bool {
	k := KindOf(n)
	return k == Mobile || k == MobileOrFixed
}

// TimeZone returns the time zone of the E.164 number n when the numbering plan places it in
// exactly one; a number spanning zones (a mobile range of a large country, or +1 555) gives
// false.
func TimeZone(n string) (*time.Location, bool) {
	if !ValidE164(n) {
		return nil, false
	}
	p, err := phonenumbers.Parse(n, "")
	if err != nil {
		return nil, false
	}
	zones, err := phonenumbers.GetTimezonesForNumber(p)
	if err != nil || len(zones) != 1 {
		return nil, false
	}
	loc, err := time.LoadLocation(zones[0])
	if err != nil {
		return nil, false
	}
	return loc, true
}
