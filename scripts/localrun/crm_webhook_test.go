package localrun_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/crm/webhook"
)

// webhookSecret is the key the local run signs webhook CRM requests with.
const webhookSecret = "e2e-crm-webhook-secret"

// crmReceiver is a business's webhook CRM: it checks every signature, keeps contacts by
// phone, and counts each event id it is sent. While down > 0 it answers 503.
type crmReceiver struct {
	mu       sync.Mutex
	down     int
	refused  int // requests answered 503
	badSigs  int
	contacts map[string][]webhook.ContactJSON
	events   []webhook.Payload
	sent     map[string]int // event id → times it arrived while up
}

func newCRMReceiver(down int) (*crmReceiver, *httptest.Server) {
	r := &crmReceiver{down: down, contacts: map[string][]webhook.ContactJSON{}, sent: map[string]int{}}
	srv := httptest.NewServer(r)
	return r, srv
}

func (c *crmReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !webhook.Verify(webhookSecret, body, req.Header.Get(webhook.SignatureHeader)) {
		c.badSigs++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if c.down > 0 {
		c.down--
		c.refused++
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	switch req.URL.Path {
	case "/hook/contacts/search":
		var q struct{ Phone string }
		json.Unmarshal(body, &q)
		json.NewEncoder(w).Encode(map[string]any{"contacts": append([]webhook.ContactJSON{}, c.contacts[q.Phone]...)})
	case "/hook/contacts":
		var ct webhook.ContactJSON
		json.Unmarshal(body, &ct)
		ct.ID = fmt.Sprintf("hook-%d", len(c.contacts)+1)
		c.contacts[ct.Phone] = append(c.contacts[ct.Phone], ct)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(ct)
	case "/hook":
		var p webhook.Payload
		json.Unmarshal(body, &p)
		id := req.Header.Get(webhook.EventIDHeader)
		c.sent[id]++
		if c.sent[id] > 1 {
			w.WriteHeader(http.StatusConflict)
			return
		}
		c.events = append(c.events, p)
	default:
		http.NotFound(w, req)
	}
}

// eventsOf returns the types of the events of a chat the receiver accepted, in order.
func (c *crmReceiver) eventsOf(chatID string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, e := range c.events {
		if e.ChatID == chatID {
			out = append(out, e.Type)
		}
	}
	return out
}

// pushChatEvent delivers a chat event to the crmsync function the way a Pub/Sub push does,
// and returns once the function answered.
func pushChatEvent(t *testing.T, ev chatevents.Event, n int) int {
	t.Helper()
	data, _ := json.Marshal(ev)
	env, _ := json.Marshal(map[string]any{
		"message":      map[string]any{"data": data, "messageId": fmt.Sprintf("dup-%d-%d", time.Now().UnixNano(), n)},
		"subscription": "projects/p/subscriptions/sms-chat-events-push",
	})
	url := runner.BaseURL + "/crmsync/projects/" + os.Getenv("GOOGLE_CLOUD_PROJECT") + "/topics/sms-chat-events"
	resp, err := http.Post(url, "application/json", bytes.NewReader(env))
	if err != nil {
		t.Error(err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestCRMWebhookSignsRetriesAndPostsOnce: a number whose chats go to the business's webhook
// CRM. The CRM is down when the chat connects, so the sync waits and retries; every request is
// signed; each event arrives once, even when its chat events are delivered again and again;
// a one-way text is recorded as sent.
func TestCRMWebhookSignsRetriesAndPostsOnce(t *testing.T) {
	rcv, srv := newCRMReceiver(7)
	defer srv.Close()
	f := newFixture(t, withCRM(config.CRMWebhook, srv.URL+"/hook"))
	ctx := testCtx(t)
	phone := consumerPhone()
	id := connectChat(t, ctx, f, phone)
	if code := api(t, f.Tokens["ana"], "POST", "/chats/"+id+"/end", nil, nil); code != http.StatusOK {
		t.Fatalf("end = %d", code)
	}
	waitSynced(t, ctx, id)
	want := []string{crm.EventChatConnected, crm.EventChatEnded, crm.EventTranscript}
	if got := rcv.eventsOf(id); !slices.Equal(got, want) {
		t.Fatalf("webhook got %q, want %q", got, want)
	}

	var wg sync.WaitGroup
	for i, typ := range []string{chatevents.Connected, chatevents.Ended, chatevents.Transfer, chatevents.Connected, chatevents.Ended, chatevents.Media} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code := pushChatEvent(t, chatevents.Event{Type: typ, SessionID: id}, i); code != http.StatusOK {
				t.Errorf("redelivered %s event answered %d", typ, code)
			}
		}()
	}
	wg.Wait()

	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for evID, n := range rcv.sent {
		if n != 1 {
			t.Errorf("event %s sent %d times", evID, n)
		}
	}
	if rcv.refused != 7 || rcv.badSigs != 0 {
		t.Errorf("refused %d requests while down (want 7), %d bad signatures", rcv.refused, rcv.badSigs)
	}
	if n := len(rcv.contacts[phone]); n != 1 {
		t.Errorf("%d contacts created for %s, want 1", n, phone)
	}
}

// TestCRMRecordsOneWayTexts: a notification sent to a consumer lands on their contact as an
// outbound SMS.
func TestCRMRecordsOneWayTexts(t *testing.T) {
	rcv, srv := newCRMReceiver(0)
	defer srv.Close()
	f := newFixture(t, withCRM(config.CRMWebhook, srv.URL+"/hook"))
	ctx := testCtx(t)
	phone := consumerPhone()
	code, r, _ := outCall(t, f.Tokens["ana"], "/messages", "", map[string]any{"from": f.Number, "to": phone,
		"body": "Your order shipped.", "consent": consent(), "timeZone": zoneAt(12)})
	if code != http.StatusAccepted {
		t.Fatalf("notification = %d %+v", code, r.Error)
	}
	expectSMS(t, ctx, phone, 1, "Your order shipped.")
	for {
		if got := rcv.eventsOfPhone(phone); len(got) > 0 {
			if len(got) != 1 || got[0].Type != crm.EventOutboundSent || got[0].Text != "Your order shipped." || got[0].ContactID == "" {
				t.Fatalf("CRM events for %s = %+v", phone, got)
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("the one-way text never reached the CRM")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// eventsOfPhone is what the CRM received about the consumer at phone.
func (r *crmReceiver) eventsOfPhone(phone string) []webhook.Payload {
	r.mu.Lock()
	defer r.mu.Unlock()
	var got []webhook.Payload
	for _, e := range r.events {
		if e.Phone == phone {
			got = append(got, e)
		}
	}
	return got
}
