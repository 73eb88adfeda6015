package media

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

const (
	testMMS = "MM0123456789abcdef0123456789abcdef"
	testME  = "ME0123456789abcdef0123456789abcdef"
)

// mediaAt is the carrier's address of a media item under the API at base.
func mediaAt(base, messageSID, mediaSID string) string {
	return base + "/2010-04-01/Accounts/" + testSID + "/Messages/" + messageSID + "/Media/" + mediaSID
}

// recorder is an HTTP server that notes every request it gets and whether it carried
// credentials.
type recorder struct {
	*httptest.Server
	mu              sync.Mutex
	requests        []string
	withCredentials int
}

func newRecorder(t *testing.T, h http.HandlerFunc) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.requests = append(rec.requests, r.Method+" "+r.URL.Path)
		if r.Header.Get("Authorization") != "" {
			rec.withCredentials++
		}
		rec.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(carriersim.Placeholder("image/jpeg"))
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) seen() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...), r.withCredentials
}

// TestOnlyTheCarriersMediaAreFetched checks that a signed webhook cannot point the copier,
// and the account's credentials with it, anywhere but at this message's media at the carrier:
// another host, another account, another message, a query or credentials in the URL are
// refused without a request, and nothing is deleted.
func TestOnlyTheCarriersMediaAreFetched(t *testing.T) {
	e := newEnv(t)
	bait := newRecorder(t, nil)
	sid, items := e.sendMMS(t, carriersim.Media{ContentType: "image/jpeg", Data: carriersim.Placeholder("image/jpeg")})
	otherSID, otherItems := e.sendMMS(t, carriersim.Media{ContentType: "image/png", Data: carriersim.Placeholder("image/png")})
	mediaSID := items[0].URL[strings.LastIndex(items[0].URL, "/")+1:]
	simHost := strings.TrimPrefix(e.simURL, "http://")

	offHost := "the link is not on the carrier's API host " + simHost
	notOurs := "the link is not one of this message's media at the carrier"
	cases := []struct{ url, reason string }{
		{bait.URL + "/x", offHost},
		{mediaAt(bait.URL, sid, mediaSID), offHost},
		{strings.Replace(items[0].URL, "http://", "https://", 1), offHost},
		{strings.Replace(items[0].URL, "http://", "http://"+testSID+":"+testToken+"@", 1), offHost},
		{strings.Replace(items[0].URL, testSID, "AC00000000000000000000000000000000", 1), notOurs},
		{otherItems[0].URL, notOurs},
		{strings.Replace(otherItems[0].URL, otherSID, sid, 1), ""}, // not this message's item: the carrier says 404
		{items[0].URL + "?x=1", notOurs},
		{items[0].URL + "/../../Media/" + testME, notOurs},
		{e.simURL + "/2010-04-01/Accounts/" + testSID + "/Messages/" + sid + "/Media/../../../Calls", notOurs},
		{"::not a url", offHost},
	}
	c := e.copier()
	c.DeleteAtCarrier = true
	for _, tc := range cases {
		stored, refused, err := c.Copy(context.Background(), sid, []Item{{URL: tc.url, ContentType: "image/jpeg"}})
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		want := tc.reason
		if want == "" {
			want = "no longer at the carrier (404)"
		}
		if len(stored) != 0 || len(refused) != 1 || refused[0].Reason != want || refused[0].URL != tc.url {
			t.Errorf("%s: stored %+v refused %+v, want refused for %q", tc.url, stored, refused, want)
		}
	}
	if reqs, _ := bait.seen(); len(reqs) != 0 {
		t.Errorf("another host got requests: %q", reqs)
	}
	if n := e.sim.MediaOf(otherSID); n != 1 {
		t.Errorf("another message's media deleted at the carrier: %d left", n)
	}
	if objs := e.objects(t); len(objs) != 0 {
		t.Errorf("objects stored: %+v", objs)
	}

	// The message's own item is copied (and deleted at the carrier).
	stored, refused, err := c.Copy(context.Background(), sid, items)
	if err != nil || len(stored) != 1 || len(refused) != 0 || e.sim.MediaOf(sid) != 0 {
		t.Fatalf("own media: stored %+v refused %+v err %v, %d left at the carrier", stored, refused, err, e.sim.MediaOf(sid))
	}
}

// TestCredentialsStayOffTheCDN checks that the carrier's redirect to its CDN is followed
// without the account's credentials, even when the CDN has the API's host name on another
// port (where net/http would keep the Authorization header).
func TestCredentialsStayOffTheCDN(t *testing.T) {
	jpg := carriersim.Placeholder("image/jpeg")
	cdn := newRecorder(t, nil)
	api := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != testSID || p != testToken {
			http.Error(w, "no credentials", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.Redirect(w, r, cdn.URL+"/cdn/abc?sig=1", http.StatusTemporaryRedirect)
	})
	e := newEnv(t)
	c := e.copier()
	c.APIURL, c.DeleteAtCarrier = api.URL, true
	stored, refused, err := c.Copy(context.Background(), testMMS, []Item{{URL: mediaAt(api.URL, testMMS, testME), ContentType: "image/jpeg"}})
	if err != nil || len(stored) != 1 || len(refused) != 0 || stored[0].Size != int64(len(jpg)) {
		t.Fatalf("stored %+v refused %+v err %v", stored, refused, err)
	}
	apiReqs, apiCreds := api.seen()
	cdnReqs, cdnCreds := cdn.seen()
	if strings.Join(apiReqs, ",") != "GET "+mediaPath(testMMS)+",DELETE "+mediaPath(testMMS) || apiCreds != 2 {
		t.Errorf("carrier API got %q, %d with credentials", apiReqs, apiCreds)
	}
	if len(cdnReqs) != 1 || cdnCreds != 0 {
		t.Errorf("CDN got %q, %d with the account's credentials; want one request without", cdnReqs, cdnCreds)
	}
}

func mediaPath(messageSID string) string {
	return "/2010-04-01/Accounts/" + testSID + "/Messages/" + messageSID + "/Media/" + testME
}

func TestAPIURLMustBeAURL(t *testing.T) {
	e := newEnv(t)
	c := e.copier()
	c.APIURL = "api.twilio.com"
	if _, _, err := c.Copy(context.Background(), testMMS, []Item{{URL: mediaAt("https://api.twilio.com", testMMS, testME), ContentType: "image/jpeg"}}); err == nil || !strings.Contains(err.Error(), "not a URL") {
		t.Fatalf("APIURL without a scheme: %v", err)
	}
	o, err := apiOrigin("")
	if err != nil || o != (origin{"https", "api.twilio.com"}) {
		t.Fatalf("default origin %+v %v", o, err)
	}
	// The default port is the same host.
	if u, why := o.mediaURL(testSID, testMMS, mediaAt("https://API.twilio.com:443", testMMS, testME)); why != "" || u != mediaAt("https://api.twilio.com", testMMS, testME) {
		t.Fatalf("default port: %q %q", u, why)
	}
}
