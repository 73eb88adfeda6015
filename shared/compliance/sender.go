package compliance

import "strings"

// SenderKind is the type of a business number, which decides what the carrier does with
// keywords on it.
type SenderKind int

// The kinds of business numbers.
const (
	LongCode  SenderKind = iota // a 10-digit local number (10DLC) or any other full number
	TollFree                    // US toll-free: STOP and START are handled in the network
	ShortCode                   // 5–6 digits: the carrier handles no keyword at all
)

// tollFreePrefixes are the US toll-free area codes, in E.164.
var tollFreePrefixes = []string{"+1800", "+1833", "+1844", "+1855", "+1866", "+1877", "+1888"}

// KindOf tells what kind of number a business number is.
func KindOf(number string) SenderKind {
	if n := len(number); (n == 5 || n == 6) && strings.Trim(number, "0123456789") == "" {
		return ShortCode
	}
	for _, p := range tollFreePrefixes {
		if strings.HasPrefix(number, p) {
			return TollFree
		}
	}
	return LongCode
}

// CarrierConfirmsOptOut reports whether the carrier answers opt-out and opt-in keywords on
// this kind of number itself (long codes and toll-free numbers; not short codes).
func (k SenderKind) CarrierConfirmsOptOut() bool { return k != ShortCode }
