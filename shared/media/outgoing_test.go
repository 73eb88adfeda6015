package media

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestPolicyCheckOutgoing holds agents' attachments to the carrier's MMS limits (CARRIER.md):
// 10 items, 5 MB in all, jpeg/png/gif up to 5 MB, other listed types up to 500 KB, and an
// image's bytes of the type it claims.
func TestPolicyCheckOutgoing(t *testing.T) {
	png := func(n int) []byte { return append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, n)...) }
	p := DefaultPolicy()
	for _, c := range []struct {
		name  string
		files []Upload
		want  string // "" accepted
	}{
		{"one png", []Upload{{"image/png", png(10)}}, ""},
		{"a vcard", []Upload{{"text/vcard", []byte("BEGIN:VCARD")}}, ""},
		{"ten", func() (u []Upload) {
			for range 10 {
				u = append(u, Upload{"image/png", png(1)})
			}
			return u
		}(), ""},
		{"eleven", func() (u []Upload) {
			for range 11 {
				u = append(u, Upload{"image/png", png(1)})
			}
			return u
		}(), "at most 10"},
		{"empty", []Upload{{"image/png", nil}}, "empty"},
		{"html", []Upload{{"text/html", []byte("<p>")}}, "not one the carrier sends"},
		{"disguised", []Upload{{"image/jpeg", png(10)}}, "not a image/jpeg file"},
		{"big vcard", []Upload{{"text/vcard", bytes.Repeat([]byte("x"), 501<<10)}}, "limit for text/vcard is 500 KB"},
		{"big png", []Upload{{"image/png", png(5 << 20)}}, "limit for image/png is 5 MB"},
		{"over the total", []Upload{{"image/png", png(3 << 20)}, {"image/png", png(3 << 20)}}, "at most 5 MB"},
	} {
		err := p.Check(c.files)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.want != "" && (err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want a refusal saying %q", c.name, err, c.want)
		}
	}
}
