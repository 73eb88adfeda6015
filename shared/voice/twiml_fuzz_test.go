package voice

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTwiML: whatever a caller, a configuration or a URL puts in the texts and attributes of
// the TwiML the voice function writes, the document parses as the verbs it was built from,
// no more and no other, and legal text reads back as written.
func FuzzTwiML(f *testing.F) {
	for _, s := range []string{"Thanks for calling", "</Say><Hangup/><Say>", `"><Dial>+15550000000</Dial>`,
		"a & b < c", "]]>", "\r\n\t", "héllo ✓", "\x00\x01", "\xff\xfe", "https://x.test/voice?step=wait&q=1"} {
		f.Add(s, "es-MX", s)
	}
	f.Fuzz(func(t *testing.T, text, lang, url string) {
		r := Response{Verbs: []any{
			Say{Language: lang, Text: text},
			Gather{Input: "dtmf", NumDigits: 1, Action: url, Timeout: 5, Say: &Say{Text: text}},
			Enqueue{WaitURL: url, Action: url, Name: text},
			Redirect{URL: url},
			Hangup{},
		}}
		doc, err := r.Marshal()
		if err != nil {
			return // encoding/xml refuses some names; it never writes a broken document
		}
		d := xml.NewDecoder(bytes.NewReader(doc))
		var path []string
		var elems []string
		var says []string
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("TwiML does not parse: %v\n%s", err, doc)
			}
			switch tk := tok.(type) {
			case xml.StartElement:
				path = append(path, tk.Name.Local)
				elems = append(elems, strings.Join(path, "/"))
				if tk.Name.Local == "Say" {
					says = append(says, "")
				}
			case xml.EndElement:
				path = path[:len(path)-1]
			case xml.CharData:
				if len(path) > 0 && path[len(path)-1] == "Say" {
					says[len(says)-1] += string(tk)
				}
			}
		}
		want := "Response Response/Say Response/Gather Response/Gather/Say Response/Enqueue Response/Redirect Response/Hangup"
		if got := strings.Join(elems, " "); got != want {
			t.Fatalf("elements %q, want %q\n%s", got, want, doc)
		}
		if legalXML(text) {
			for _, s := range says {
				if s != text {
					t.Fatalf("Say reads %q, want %q", s, text)
				}
			}
		}
	})
}

// legalXML reports whether s is valid UTF-8 made of characters XML 1.0 allows, which
// encoding/xml writes as they are (others it replaces).
func legalXML(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !(r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
	}
	return true
}
