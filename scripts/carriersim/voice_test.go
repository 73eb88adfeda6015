package carriersim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/twilio/twilio-go/client"
)

// ivr is a small voice app: a menu that offers text on 1, else queues the call; its wait URL
// plays hold music. Every request it gets is checked with twilio-go's validator.
func ivr(t *testing.T) (*httptest.Server, *[]map[string]string) {
	var mu sync.Mutex
	var got []map[string]string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		params := map[string]string{}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
		rv := client.NewRequestValidator(testToken)
		if !rv.Validate(srv.URL+r.URL.RequestURI(), params, r.Header.Get("X-Twilio-Signature")) {
			t.Errorf("voice webhook %s: signature does not verify", r.URL.RequestURI())
		}
		mu.Lock()
		got = append(got, params)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		switch r.URL.Query().Get("step") {
		case "":
			if params["From"] == "+15550000000" {
				_, _ = w.Write([]byte(`<?xml version="1.0"?><Response><Reject reason="rejected"/></Response>`))
				return
			}
			_, _ = w.Write([]byte(`<Response><Gather input="dtmf" numDigits="1" action="/voice?step=menu" timeout="5"><Say>Press 1 to text &amp; go.</Say></Gather><Redirect>/voice?step=menu</Redirect></Response>`))
		case "menu":
			if params["Digits"] == "1" {
				_, _ = w.Write([]byte(`<Response><Say>Bye.</Say><Hangup/></Response>`))
				return
			}
			_, _ = w.Write([]byte(`<Response><Enqueue waitUrl="/voice?step=wait" action="/voice?step=left">support</Enqueue></Response>`))
		case "wait":
			_, _ = w.Write([]byte(`<Response><Say>Please hold.</Say><Pause length="20"/></Response>`))
		default:
			http.Error(w, "no", http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestCallsFollowTwiML(t *testing.T) {
	app, got := ivr(t)
	s, _ := newTestSim(t, Options{VoiceURL: app.URL + "/voice"})
	ctx := context.Background()

	res, err := s.PlaceCall(ctx, Call{From: consumer, To: business, Keys: []string{"1"}})
	if err != nil || res.Outcome != "hungup" || !slices.Equal(res.Said, []string{"Press 1 to text & go.", "Bye."}) || res.Gathers != 1 {
		t.Fatalf("pressing 1: %+v, %v", res, err)
	}
	first, second := (*got)[0], (*got)[1]
	if first["CallSid"] != res.CallSID || first["CallStatus"] != "ringing" || first["Direction"] != "inbound" || first["From"] != consumer || first["To"] != business || first["AccountSid"] != testSID {
		t.Errorf("incoming call webhook: %v", first)
	}
	if second["Digits"] != "1" || second["CallStatus"] != "in-progress" || second["CallSid"] != res.CallSID {
		t.Errorf("gather action: %v", second)
	}

	// No key: the Gather times out, the Redirect queues the call, the wait URL is requested.
	*got = nil
	res, err = s.PlaceCall(ctx, Call{From: consumer, To: business, Waits: 2})
	if err != nil || res.Outcome != "enqueued" || res.Queue != "support" || !slices.Equal(res.Said, []string{"Press 1 to text & go.", "Please hold.", "Please hold."}) {
		t.Fatalf("waiting: %+v, %v", res, err)
	}
	if w := (*got)[3]; w["QueuePosition"] != "1" || w["QueueTime"] != "20" {
		t.Errorf("second wait request: %v", w)
	}

	res, err = s.PlaceCall(ctx, Call{From: "+15550000000", To: business})
	if err != nil || res.Outcome != "rejected" || len(res.Said) != 0 {
		t.Errorf("rejected call: %+v, %v", res, err)
	}
}

func TestCallWithoutTwiMLIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	s, _ := newTestSim(t, Options{VoiceURL: srv.URL})
	res, err := s.PlaceCall(context.Background(), Call{From: consumer, To: business})
	if err != nil || res.Outcome != "error" || res.StatusCode != http.StatusForbidden {
		t.Errorf("refused call: %+v, %v", res, err)
	}
}

func TestDevCallEndpoint(t *testing.T) {
	app, _ := ivr(t)
	_, srv := newTestSim(t, Options{VoiceURL: app.URL + "/voice"})
	resp, err := http.Post(srv.URL+"/sim/call", "application/json", strings.NewReader(`{"From":"`+consumer+`","To":"`+business+`","Keys":["1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res CallResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || res.Outcome != "hungup" || len(res.Said) != 2 {
		t.Errorf("POST /sim/call: %+v, %v", res, err)
	}
}
