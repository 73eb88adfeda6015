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
		case "bridge":
			_, _ = w.Write([]byte(`<Response><Say>Connecting you to ` + r.URL.Query().Get("agent") + `.</Say></Response>`))
		case "left", "status":
			_, _ = w.Write([]byte(`<Response/>`))
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

// TestBridgeDequeuesToTheAgent: an agent's <Dial><Queue url> takes a waiting call: the url is
// requested on the caller's call (its CallSid, QueueSid, QueueTime, DequeingCallSid) and its
// TwiML played to the caller; when the call ends the Enqueue action hears QueueResult bridged,
// then the status callback comes. A call that never waited cannot be bridged, nor one twice;
// a call that ends in the queue reports hangup.
func TestBridgeDequeuesToTheAgent(t *testing.T) {
	app, got := ivr(t)
	s, _ := newTestSim(t, Options{VoiceURL: app.URL + "/voice", VoiceStatusURL: app.URL + "/voice?step=status"})
	ctx := context.Background()
	res, err := s.PlaceCall(ctx, Call{From: consumer, To: business, Waits: 1})
	if err != nil || res.Outcome != "enqueued" {
		t.Fatalf("call: %+v, %v", res, err)
	}
	*got = nil
	agentCall := "CA" + strings.Repeat("a", 32)
	b, err := s.BridgeCall(ctx, Bridge{CallSID: res.CallSID, URL: "/voice?step=bridge&agent=ana", AgentCallSID: agentCall})
	if err != nil || b.StatusCode != http.StatusOK || !slices.Equal(b.Said, []string{"Connecting you to ana."}) {
		t.Fatalf("bridge: %+v, %v", b, err)
	}
	if q := (*got)[0]; q["CallSid"] != res.CallSID || q["DequeingCallSid"] != agentCall || q["QueueTime"] != "20" || !strings.HasPrefix(q["QueueSid"], "QU") || q["From"] != consumer {
		t.Errorf("Queue url request: %v", q)
	}
	if _, err := s.BridgeCall(ctx, Bridge{CallSID: res.CallSID}); err == nil {
		t.Error("a call bridged twice")
	}
	if _, err := s.BridgeCall(ctx, Bridge{CallSID: "CA" + strings.Repeat("0", 32)}); err == nil {
		t.Error("a call that never waited was bridged")
	}
	*got = nil
	if code, err := s.EndCall(ctx, res.CallSID, consumer, business, 120); err != nil || code != http.StatusOK {
		t.Fatalf("end: %d %v", code, err)
	}
	if len(*got) != 2 || (*got)[0]["QueueResult"] != "bridged" || (*got)[1]["CallStatus"] != "completed" {
		t.Errorf("after a bridged call: %v", *got)
	}

	res, _ = s.PlaceCall(ctx, Call{From: consumer, To: business, Waits: 1})
	*got = nil
	if _, err := s.EndCall(ctx, res.CallSID, consumer, business, 30); err != nil || len(*got) != 2 || (*got)[0]["QueueResult"] != "hangup" {
		t.Errorf("a caller hanging up in the queue: %v %v", *got, err)
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
