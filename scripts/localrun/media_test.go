package localrun_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// fetch GETs a URL as an agent's browser would.
func fetch(t *testing.T, u string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// TestMediaLinksOpenForTheAgent: the links to a consumer's photos in the agent API's chat
// open on the local stack and give the photos' bytes with their content type; a tampered
// link gives nothing. The carrier's CDN never saw the account's credentials.
func TestMediaLinksOpenForTheAgent(t *testing.T) {
	f := newFixture(t)
	phone, id := openChat(t, f)
	ana := f.Tokens["ana"]
	jpg, png := carriersim.Placeholder("image/jpeg"), carriersim.Placeholder("image/png")
	text(t, phone, f.Number, "the damage", carriersim.Media{ContentType: "image/jpeg", Data: jpg}, carriersim.Media{ContentType: "image/png", Data: png})

	c := waitEntry(t, ana, id, func(c chatJSON) bool {
		last := c.Transcript[len(c.Transcript)-1]
		return last.Body == "the damage" && len(last.Media) == 2
	})
	mms := c.Transcript[len(c.Transcript)-1]
	for i, want := range []struct {
		ct   string
		data []byte
	}{{"image/jpeg", jpg}, {"image/png", png}} {
		m := mms.Media[i]
		if !strings.HasPrefix(m.URL, runner.BaseURL+"/") {
			t.Errorf("media %d link %s is not on the local stack %s", i, m.URL, runner.BaseURL)
		}
		if code, ct, body := fetch(t, m.URL); code != http.StatusOK || ct != want.ct || !bytes.Equal(body, want.data) {
			t.Errorf("opening media %d: %d %q, %d bytes; want %s, %d bytes", i, code, ct, len(body), want.ct, len(want.data))
		}
	}

	// The first link's signature on the second object, and a changed signature, open nothing.
	first, _ := url.Parse(mms.Media[0].URL)
	second, _ := url.Parse(mms.Media[1].URL)
	swapped := *second
	swapped.RawQuery = first.RawQuery
	q := first.Query()
	sig := q.Get("X-Goog-Signature")
	q.Set("X-Goog-Signature", strings.Repeat("0", len(sig)))
	changed := *first
	changed.RawQuery = q.Encode()
	for name, u := range map[string]string{"another object's signature": swapped.String(), "changed signature": changed.String()} {
		if code, _, body := fetch(t, u); code != http.StatusForbidden || bytes.Equal(body, jpg) || bytes.Equal(body, png) {
			t.Errorf("%s: %d %q, want 403", name, code, body)
		}
	}
	if n := sim.CDNRequestsWithCredentials(); n != 0 {
		t.Errorf("the carrier's CDN got the account's credentials %d times", n)
	}
}

// TestMediaOnlyFromTheCarrier: a signed webhook whose media URL points at another host gets
// no request there, with or without the account's credentials; the agent sees why the
// media was not kept.
func TestMediaOnlyFromTheCarrier(t *testing.T) {
	f := newFixture(t)
	phone, id := openChat(t, f)
	ana := f.Tokens["ana"]
	var requests, withCredentials atomic.Int32
	bait := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Authorization") != "" {
			withCredentials.Add(1)
		}
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(carriersim.Placeholder("image/jpeg"))
	}))
	t.Cleanup(bait.Close)

	form := url.Values{
		"MessageSid": {fmt.Sprintf("SM%032x", time.Now().UnixNano())}, "AccountSid": {accountSID},
		"From": {phone}, "To": {f.Number}, "Body": {"see this"}, "NumSegments": {"1"}, "SmsStatus": {"received"},
		"NumMedia": {"1"}, "MediaUrl0": {bait.URL + "/x"}, "MediaContentType0": {"image/jpeg"},
	}
	if code := postWebhook(t, form, carriersim.Signature(authToken, runner.BaseURL+"/inbound", form)); code != http.StatusOK {
		t.Fatalf("signed webhook = %d", code)
	}
	c := waitEntry(t, ana, id, func(c chatJSON) bool {
		return strings.HasPrefix(c.Transcript[len(c.Transcript)-1].Body, "media not kept")
	})
	tr := c.Transcript
	sent, note := tr[len(tr)-2], tr[len(tr)-1]
	if sent.Body != "see this" || len(sent.Media) != 0 {
		t.Errorf("consumer's text = %+v, want it without media", sent)
	}
	if !strings.Contains(note.Body, "image/jpeg: the link is not on the carrier's API host") || strings.Contains(note.Body, bait.URL) {
		t.Errorf("note = %q", note.Body)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the other host got %d requests, %d with the account's credentials", n, withCredentials.Load())
	}
}
