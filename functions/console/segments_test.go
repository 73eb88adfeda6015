package console_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smsdesk/smsdesk/internal/browsertest"
	"github.com/smsdesk/smsdesk/shared/compliance"
)

// The reply box's counter (static/app.js, run in Chromium) says what the server will count
// (shared/compliance): the same encoding and segments for every case.
func TestSegmentCounterAgreesWithTheServer(t *testing.T) {
	cases := []string{
		"", "Hi", strings.Repeat("a", 160), strings.Repeat("a", 161), strings.Repeat("a", 306), strings.Repeat("a", 307),
		strings.Repeat("€", 80), strings.Repeat("€", 81), "{}[]~|^\\ and \f", strings.Repeat("[", 77) + "a",
		"Ça va? ñ ü à é è ù ì ò Ø å Æ ß ¿ ¡ § ¤ £ ¥ Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ", "line one\nline two\r\n",
		"ç is not GSM", strings.Repeat("😀", 35), strings.Repeat("😀", 36), strings.Repeat("字", 70), strings.Repeat("字", 71),
		strings.Repeat("x", 1000) + "ü", strings.Repeat("y", 200) + "`", "<script>alert(1)</script>",
	}
	b := browsertest.Start(t, 1280, 800)
	ctx := b.Tab(t, 30*time.Second)
	srv := httptest.NewServer(handler(nil))
	defer srv.Close()
	in, _ := json.Marshal(cases)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/console/signin"), chromedp.WaitVisible(chromedp.CSS("#agent"))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]struct {
		Encoding string `json:"encoding"`
		Segments int    `json:"segments"`
	}](`(`+string(in)+`).map(function (c) { return window.smsdeskSegments(c); })`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cases) {
		t.Fatalf("the page counted %d cases, want %d", len(got), len(cases))
	}
	for i, c := range cases {
		if got[i].Encoding != compliance.Encoding(c) || got[i].Segments != compliance.Segments(c) {
			t.Errorf("case %d (%.20q…): browser %s %d segments, server %s %d", i, c, got[i].Encoding, got[i].Segments, compliance.Encoding(c), compliance.Segments(c))
		}
	}
}
