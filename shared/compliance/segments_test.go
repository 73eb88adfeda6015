package compliance

import (
	"strings"
	"testing"
)

func TestSegments(t *testing.T) {
	cases := []struct {
		body string
		want int
	}{
		{"", 1}, {strings.Repeat("a", 160), 1}, {strings.Repeat("a", 161), 2},
		{strings.Repeat("a", 306), 2}, {strings.Repeat("a", 307), 3},
		{strings.Repeat("€", 80), 1}, {strings.Repeat("€", 81), 2},
		{strings.Repeat("é", 70) + "😀", 2}, {strings.Repeat("ł", 70), 1},
		{strings.Repeat("ł", 71), 2}, {strings.Repeat("ł", 134), 2}, {strings.Repeat("ł", 135), 3},
	}
	for _, c := range cases {
		if got := Segments(c.body); got != c.want {
			t.Errorf("Segments(%d runes %q...) = %d want %d", len([]rune(c.body)), firstRune(c.body), got, c.want)
		}
	}
}

func TestEncoding(t *testing.T) {
	if Encoding("Hello {}€") != "GSM-7" || Encoding("Olá ł") != "UCS-2" || Encoding("😀") != "UCS-2" {
		t.Error("encoding misjudged")
	}
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}
