package compliance

import (
	"strings"
	"testing"
)

// FuzzKeywords: the keyword parser answers any text; a protected command is found whatever
// the case and the spaces or punctuation around it, and a longer text never is one.
func FuzzKeywords(f *testing.F) {
	for _, s := range []string{"STOP", " stop. ", "Stop texting me", "UNSTOP", "help!", "ＳＴＯＰ", "stop\x00", "ȺSTOP"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		k := Classify(body)
		if k != None && Classify(strings.ToLower(" "+body+"! ")) != k {
			t.Fatalf("Classify(%q) = %v, but not in lower case with spaces and punctuation", body, k)
		}
		if k != None && Classify(body+" please") != None {
			t.Fatalf("Classify(%q please) is a command: a longer message never is", body)
		}
		_, _ = FindOptOutRequest(body, "en")
		_, _ = FindOptOutRequest(body, "es")
	})
}

// FuzzSegments: the encoding and segment count of any text are consistent: a text is at least
// one segment, a longer text never takes fewer, and doubling a text keeps its alphabet.
func FuzzSegments(f *testing.F) {
	for _, s := range []string{"hello", "€uro [brackets]", "ünïcödé", "😀", strings.Repeat("a", 161), strings.Repeat("é", 71)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if body == "" {
			return
		}
		n := Segments(body)
		if n < 1 {
			t.Fatalf("Segments(%q) = %d", body, n)
		}
		if m := Segments(body + "a"); m < n {
			t.Fatalf("Segments(%q) = %d but one more letter takes %d", body, n, m)
		}
		if Encoding(body+body) != Encoding(body) {
			t.Fatalf("%q is %s but twice it is %s", body, Encoding(body), Encoding(body+body))
		}
	})
}
