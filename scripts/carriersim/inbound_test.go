package carriersim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestInboundWebhookSigned(t *testing.T) {
	h := newHook(t, "/inbound?tenant=acme")
	h.reply = "<Response/>"
	s, _ := newTestSim(t, Options{WebhookURL: h.URL()})
	res, err := s.SendInbound(context.Background(), Inbound{From: consumer, To: business, Body: "Hi, is my order ready?"})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.ResponseBody != "<Response/>" || !sidRe.MatchString(res.MessageSID) {
		t.Fatalf("result %+v", res)
	}
	v := h.next(t)
	want := map[string]string{
		"MessageSid": res.MessageSID, "SmsMessageSid": res.MessageSID, "SmsSid": res.MessageSID,
		"AccountSid": testSID, "From": consumer, "To": business, "Body": "Hi, is my order ready?",
		"NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01",
		"FromCountry": "US", "ToCountry": "US",
	}
	for k, w := range want {
		if v.Get(k) != w {
			t.Errorf("%s = %q want %q", k, v.Get(k), w)
		}
	}
	for _, k := range []string{"MessagingServiceSid", "OptOutType", "MediaUrl0", "MediaContentType0"} {
		if v.Has(k) {
			t.Errorf("field %s should be absent", k)
		}
	}
	for _, k := range []string{"FromState", "FromCity", "FromZip", "ToState", "ToCity", "ToZip"} {
		if !v.Has(k) {
			t.Errorf("field %s missing", k)
		}
	}
	h.mu.Lock()
	ok := h.sigOK[0]
	h.mu.Unlock()
	if !ok {
		t.Fatal("twilio-go RequestValidator rejected the inbound signature")
	}

	// A retry reuses the MessageSid.
	res2, err := s.SendInbound(context.Background(), Inbound{From: consumer, To: business, Body: "Hi, is my order ready?", MessageSID: res.MessageSID})
	if err != nil || res2.MessageSID != res.MessageSID || h.next(t).Get("MessageSid") != res.MessageSID {
		t.Fatalf("retry: %+v %v", res2, err)
	}
}

func TestPerNumberWebhook(t *testing.T) {
	def, other := newHook(t, "/default"), newHook(t, "/other")
	s, _ := newTestSim(t, Options{WebhookURL: def.URL(), NumberWebhooks: map[string]string{"+18005550200": other.URL()}})
	if _, err := s.SendInbound(context.Background(), Inbound{From: consumer, To: "+18005550200", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if v := other.next(t); v.Get("To") != "+18005550200" {
		t.Fatalf("%v", v)
	}
	other.mu.Lock()
	defer other.mu.Unlock()
	def.mu.Lock()
	defer def.mu.Unlock()
	if !other.sigOK[0] || len(def.calls) != 0 {
		t.Fatal("override URL not used or not signed for itself")
	}
}

func TestInboundMMSMedia(t *testing.T) {
	h := newHook(t, "/inbound")
	s, srv := newTestSim(t, Options{WebhookURL: h.URL()})
	jpg := []byte("\xff\xd8\xff\xe0 fake jpeg bytes")
	_, err := s.SendInbound(context.Background(), Inbound{From: consumer, To: business, Body: "",
		Media: []Media{{ContentType: "image/jpeg", Data: jpg}, {ContentType: "image/png", Data: Placeholder("image/png")}}})
	if err != nil {
		t.Fatal(err)
	}
	v := h.next(t)
	if v.Get("NumMedia") != "2" || v.Get("MediaContentType0") != "image/jpeg" || v.Get("MediaContentType1") != "image/png" {
		t.Fatalf("%v", v)
	}
	mediaURL := v.Get("MediaUrl0")
	prefix := srv.URL + "/2010-04-01/Accounts/" + testSID + "/Messages/" + v.Get("MessageSid") + "/Media/ME"
	if !strings.HasPrefix(mediaURL, prefix) || len(mediaURL) != len(prefix)+32 {
		t.Fatalf("media URL %q", mediaURL)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// Without auth: 401.
	resp, err := noRedirect.Get(mediaURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("no auth: %d", resp.StatusCode)
	}
	// With auth: 307 to the CDN, which serves the bytes without auth.
	req, _ := http.NewRequest(http.MethodGet, mediaURL, nil)
	req.SetBasicAuth(testSID, testToken)
	resp, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || !strings.HasPrefix(loc, srv.URL+"/sim/cdn/") {
		t.Fatalf("redirect %d %q", resp.StatusCode, loc)
	}
	resp, err = http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(body, jpg) || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("cdn: %q %q", resp.Header.Get("Content-Type"), body)
	}
	// A plain client following redirects gets the bytes in one call.
	req, _ = http.NewRequest(http.MethodGet, v.Get("MediaUrl1"), nil)
	req.SetBasicAuth(testSID, testToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.HasPrefix(body, []byte("\x89PNG")) {
		t.Fatalf("png placeholder: %q", body)
	}
	// DELETE removes it.
	req, _ = http.NewRequest(http.MethodDelete, mediaURL, nil)
	req.SetBasicAuth(testSID, testToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || s.MediaCount() != 1 {
		t.Fatalf("delete: %d, %d left", resp.StatusCode, s.MediaCount())
	}
	resp, err = http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("deleted media still served: %d", resp.StatusCode)
	}
}

func TestDevEndpoints(t *testing.T) {
	h := newHook(t, "/inbound")
	h.reply = "ok"
	s, srv := newTestSim(t, Options{WebhookURL: h.URL()})
	post := func(path string, v any, out any) int {
		t.Helper()
		b, _ := json.Marshal(v)
		resp, err := http.Post(srv.URL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode
	}
	var res DevInboundResult
	code := post("/sim/inbound", map[string]any{"from": consumer, "to": business, "body": "pic",
		"media": []map[string]string{{"contentType": "image/jpeg", "url": "https://example.com/cat.jpg"}}}, &res)
	if code != 200 || res.Status != 200 || res.Response != "ok" || !sidRe.MatchString(res.MessageSID) {
		t.Fatalf("inbound: %d %+v", code, res)
	}
	if v := h.next(t); v.Get("MediaContentType0") != "image/jpeg" || v.Get("MessageSid") != res.MessageSID {
		t.Fatalf("%v", v)
	}

	if code := post("/sim/fail", map[string]int{"count": 1, "status": 429, "code": 20429}, nil); code != 200 {
		t.Fatalf("fail: %d", code)
	}
	rc := newRestClient(t, srv, testSID, testToken)
	if _, err := send(rc, business, consumer, "x", ""); restErr(t, err).Status != 429 {
		t.Fatal("fail not applied")
	}
	for _, to := range []string{consumer, "+15559990000"} {
		if _, err := send(rc, business, to, "to "+to, ""); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Get(srv.URL + "/sim/messages?to=%2B15551230001")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []Message
	if err := json.NewDecoder(resp.Body).Decode(&msgs); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(msgs) != 1 || msgs[0].Body != "to "+consumer || msgs[0].To != consumer {
		t.Fatalf("messages %+v", msgs)
	}
	if len(s.Sent()) != 2 {
		t.Fatalf("sent %d", len(s.Sent()))
	}
}

func TestFallbackURLWhenTheWebhookFails(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	fallback := newHook(t, "/inboundfallback")
	fallback.reply = "<Response/>"
	s, _ := newTestSim(t, Options{WebhookURL: down.URL + "/inbound", FallbackURL: fallback.URL()})
	res, err := s.SendInbound(context.Background(), Inbound{From: consumer, To: business, Body: "hello"})
	if err != nil || res.StatusCode != http.StatusServiceUnavailable || res.FallbackStatusCode != http.StatusOK || res.ResponseBody != "<Response/>" {
		t.Fatalf("result %+v, %v", res, err)
	}
	v := fallback.next(t)
	if v.Get("MessageSid") != res.MessageSID || v.Get("Body") != "hello" || v.Get("ErrorCode") != "11200" || v.Get("ErrorUrl") != down.URL+"/inbound" {
		t.Errorf("fallback got %v", v)
	}
	fallback.mu.Lock()
	ok := fallback.sigOK[0]
	fallback.mu.Unlock()
	if !ok {
		t.Error("the fallback request is not signed for the fallback URL")
	}

	// A webhook that answers leaves the fallback alone.
	up := newHook(t, "/inbound")
	s2, _ := newTestSim(t, Options{WebhookURL: up.URL(), FallbackURL: fallback.URL()})
	if res, err := s2.SendInbound(context.Background(), Inbound{From: consumer, To: business, Body: "hi"}); err != nil || res.FallbackStatusCode != 0 {
		t.Fatalf("result %+v, %v", res, err)
	}
	fallback.mu.Lock()
	defer fallback.mu.Unlock()
	if len(fallback.calls) != 1 {
		t.Errorf("fallback called %d times, want once (for the failed webhook only)", len(fallback.calls))
	}
}
