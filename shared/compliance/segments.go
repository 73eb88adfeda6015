package compliance

import "unicode/utf16"

// gsmBasic is the GSM 03.38 default alphabet (one septet each).
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtended is the GSM 03.38 extension table (escape + septet: two each).
const gsmExtended = "\f^{}\\[~]|€"

var gsmSeptets = func() map[rune]int {
	m := map[rune]int{}
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtended {
		m[r] = 2
	}
	return m
}()

// IsGSM7 reports whether body can be sent in the GSM-7 alphabet.
func IsGSM7(body string) bool {
	for _, r := range body {
		if gsmSeptets[r] == 0 {
			return false
		}
	}
	return true
}

// Encoding is the alphabet body is sent in: "GSM-7" or, for any other character, "UCS-2".
func Encoding(body string) string {
	if IsGSM7(body) {
		return "GSM-7"
	}
	return "UCS-2"
}

// MaxBodyChars is the carrier's limit on one message's length.
const MaxBodyChars = 1600

// Segments returns how many SMS segments body takes: GSM-7 holds 160
// septets in one segment or 153 per part when split; otherwise UCS-2 holds
// 70 UTF-16 units or 67 per part. An empty body (media only) counts as 1.
func Segments(body string) int {
	single, multi, n := 70, 67, len(utf16.Encode([]rune(body)))
	if IsGSM7(body) {
		single, multi, n = 160, 153, 0
		for _, r := range body {
			n += gsmSeptets[r]
		}
	}
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}
