package hubspot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/crm/hubspot"
)

const token = "pat-na1-test"

// The request shapes of HubSpot's CRM v3 API, decoded strictly.
type (
	filter struct {
		PropertyName string `json:"propertyName"`
		Operator     string `json:"operator"`
		Value        string `json:"value"`
	}
	searchRequest struct {
		FilterGroups []struct {
			Filters []filter `json:"filters"`
		} `json:"filterGroups"`
		Properties []string `json:"properties"`
		Limit      int      `json:"limit"`
		After      string   `json:"after"`
	}
	objectRequest struct {
		Properties   map[string]string `json:"properties"`
		Associations []struct {
			To struct {
				ID string `json:"id"`
			} `json:"to"`
			Types []struct {
				AssociationCategory string `json:"associationCategory"`
				AssociationTypeID   int    `json:"associationTypeId"`
			} `json:"types"`
		} `json:"associations"`
	}
	object struct {
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
		CreatedAt  string            `json:"createdAt"`
		UpdatedAt  string            `json:"updatedAt"`
		Archived   bool              `json:"archived"`
	}
)

// fakeHubSpot honours the parts of HubSpot's wire format the adapter uses, and fails the test
// on any request HubSpot would refuse.
type fakeHubSpot struct {
	t *testing.T

	mu         sync.Mutex
	contacts   []object
	notes      []objectRequest
	throttle   int // answer this many next note requests with 429
	throttled  int
	searchPage int // results per search page; 0 for all at once
}

func (h *fakeHubSpot) fail(w http.ResponseWriter, status int, format string, args ...any) {
	h.t.Errorf(format, args...)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"status": "error", "message": fmt.Sprintf(format, args...), "category": "VALIDATION_ERROR"})
}

func (h *fakeHubSpot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		h.fail(w, http.StatusUnauthorized, "Authorization %q, want the bearer token", got)
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		h.fail(w, http.StatusBadRequest, "%s %s with Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		return
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	switch r.URL.Path {
	case "/crm/v3/objects/contacts/search":
		var q searchRequest
		if err := dec.Decode(&q); err != nil {
			h.fail(w, 400, "search body: %v", err)
			return
		}
		if len(q.FilterGroups) != 2 || len(q.FilterGroups[0].Filters) != 1 || len(q.FilterGroups[1].Filters) != 1 {
			h.fail(w, 400, "search filterGroups %+v; want phone EQ and mobilephone EQ groups", q.FilterGroups)
			return
		}
		f0, f1 := q.FilterGroups[0].Filters[0], q.FilterGroups[1].Filters[0]
		if f0.PropertyName != "phone" || f0.Operator != "EQ" || f1.PropertyName != "mobilephone" || f1.Operator != "EQ" || f0.Value != f1.Value {
			h.fail(w, 400, "search filters %+v %+v", f0, f1)
			return
		}
		if q.Limit < 1 || q.Limit > 200 {
			h.fail(w, 400, "search limit %d", q.Limit)
			return
		}
		var hits []object
		for _, c := range h.contacts {
			if c.Properties["phone"] == f0.Value || c.Properties["mobilephone"] == f0.Value {
				hits = append(hits, c)
			}
		}
		start := 0
		fmt.Sscan(q.After, &start)
		resp := map[string]any{"total": len(hits)}
		end := len(hits)
		if h.searchPage > 0 && start+h.searchPage < end {
			end = start + h.searchPage
			resp["paging"] = map[string]any{"next": map[string]any{"after": fmt.Sprint(end), "link": "?after=" + fmt.Sprint(end)}}
		}
		resp["results"] = hits[min(start, len(hits)):end]
		json.NewEncoder(w).Encode(resp)
	case "/crm/v3/objects/contacts":
		var q objectRequest
		if err := dec.Decode(&q); err != nil || len(q.Properties) == 0 {
			h.fail(w, 400, "create contact body: %v", err)
			return
		}
		for _, c := range h.contacts {
			if q.Properties["email"] != "" && c.Properties["email"] == q.Properties["email"] {
				w.WriteHeader(http.StatusConflict)
				fmt.Fprintf(w, `{"status":"error","message":"Contact already exists. Existing ID: %s","category":"CONFLICT"}`, c.ID)
				return
			}
		}
		o := object{ID: fmt.Sprint(501 + len(h.contacts)), Properties: q.Properties, CreatedAt: "2026-03-01T12:00:00.000Z", UpdatedAt: "2026-03-01T12:00:00.000Z"}
		h.contacts = append(h.contacts, o)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(o)
	case "/crm/v3/objects/notes":
		if h.throttled < h.throttle {
			h.throttled++
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`)
			return
		}
		var q objectRequest
		if err := dec.Decode(&q); err != nil {
			h.fail(w, 400, "create note body: %v", err)
			return
		}
		if q.Properties["hs_note_body"] == "" {
			h.fail(w, 400, "note without hs_note_body")
			return
		}
		if _, err := time.Parse(time.RFC3339, q.Properties["hs_timestamp"]); err != nil {
			h.fail(w, 400, "hs_timestamp %q: %v", q.Properties["hs_timestamp"], err)
			return
		}
		if len(q.Associations) != 1 || len(q.Associations[0].Types) != 1 ||
			q.Associations[0].Types[0].AssociationCategory != "HUBSPOT_DEFINED" || q.Associations[0].Types[0].AssociationTypeID != 202 {
			h.fail(w, 400, "note associations %+v; want one to the contact, HUBSPOT_DEFINED 202", q.Associations)
			return
		}
		h.notes = append(h.notes, q)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(object{ID: fmt.Sprint(9000 + len(h.notes)), Properties: q.Properties})
	default:
		h.fail(w, http.StatusNotFound, "unexpected path %s", r.URL.Path)
	}
}

func setup(t *testing.T, contacts ...object) (*fakeHubSpot, *hubspot.Client) {
	h := &fakeHubSpot{t: t, contacts: contacts}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := hubspot.New(token, &crm.MemoryLedger{})
	c.BaseURL = srv.URL
	c.Retry = hubspot.Retry{Attempts: 4, Base: time.Millisecond, Max: 5 * time.Second}
	return h, c
}

func contact(id, phone, mobile, first string) object {
	return object{ID: id, Properties: map[string]string{"phone": phone, "mobilephone": mobile, "firstname": first}}
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	_, c := setup(t,
		contact("1", "+15551234567", "", "Ada"),
		contact("2", "+15550000002", "+15550000001", "Bob"),
		contact("3", "+15550000001", "", "Cy"),
	)
	for _, tc := range []struct {
		phone string
		want  []string
	}{
		{"+15559999999", nil},
		{"+15551234567", []string{"1"}},
		{"+15550000001", []string{"2", "3"}}, // one by mobile phone, one by phone
	} {
		got, err := c.FindContacts(ctx, tc.phone)
		if err != nil {
			t.Fatalf("FindContacts(%s): %v", tc.phone, err)
		}
		var ids []string
		for _, g := range got {
			ids = append(ids, g.ID)
			if g.Phone != tc.phone {
				t.Errorf("contact %s has phone %s, want %s", g.ID, g.Phone, tc.phone)
			}
		}
		if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
			t.Errorf("FindContacts(%s) = %v, want %v", tc.phone, ids, tc.want)
		}
	}
}

func TestSearchPages(t *testing.T) {
	var cs []object
	for i := range 5 {
		cs = append(cs, contact(fmt.Sprint(i+1), "+15551234567", "", "X"))
	}
	h, c := setup(t, cs...)
	h.searchPage = 2
	got, err := c.FindContacts(context.Background(), "+15551234567")
	if err != nil || len(got) != 5 {
		t.Fatalf("FindContacts over 3 pages = %d contacts, %v; want 5", len(got), err)
	}
}

func TestResolveCases(t *testing.T) {
	ctx := context.Background()
	h, c := setup(t, contact("1", "+15551234567", "", "Ada"), contact("2", "+15550000001", "", "Bob"), contact("3", "", "+15550000001", "Cy"))

	r, err := crm.Resolve(ctx, c, "+1 555 765 4321", "Grace Brewster Hopper")
	if err != nil || r.Contact == nil || !r.Created {
		t.Fatalf("Resolve new = %+v, %v", r, err)
	}
	created := h.contacts[len(h.contacts)-1]
	if created.ID != r.Contact.ID || created.Properties["phone"] != "+15557654321" ||
		created.Properties["firstname"] != "Grace" || created.Properties["lastname"] != "Brewster Hopper" {
		t.Errorf("created %+v; want phone +15557654321, Grace / Brewster Hopper", created)
	}

	r, err = crm.Resolve(ctx, c, "+15551234567", "")
	if err != nil || r.Contact == nil || r.Contact.ID != "1" || r.Created {
		t.Fatalf("Resolve one = %+v, %v; want contact 1", r, err)
	}
	r, err = crm.Resolve(ctx, c, "+15550000001", "")
	if err != nil || r.Contact != nil || len(r.Ambiguous) != 2 {
		t.Fatalf("Resolve several = %+v, %v; want 2 ambiguous", r, err)
	}
}

func TestCreateConflictReturnsExisting(t *testing.T) {
	h, c := setup(t, object{ID: "77", Properties: map[string]string{"email": "ada@example.com"}})
	got, err := c.CreateContact(context.Background(), crm.Contact{Phone: "+15551234567", Email: "ada@example.com"})
	if err != nil || got.ID != "77" {
		t.Fatalf("CreateContact of an existing email = %+v, %v; want contact 77", got, err)
	}
	if len(h.contacts) != 1 {
		t.Errorf("%d contacts, want 1", len(h.contacts))
	}
}

var event = crm.Event{
	ID: "ev-1", ChatID: "chat-1", Phone: "+15551234567", Type: crm.EventTranscript, Language: "en", Queue: "billing",
	At: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	Transcript: []crm.Line{
		{Author: crm.AuthorSystem, Body: "Reply 1 for Billing"},
		{Author: crm.AuthorConsumer, Body: "1 <script>"},
		{Author: crm.AuthorAgent, Body: "Hello!"},
	},
}

func TestNoteWithAssociationOncePerEvent(t *testing.T) {
	h, c := setup(t, contact("1", "+15551234567", "", "Ada"))
	ctx := context.Background()
	for range 3 {
		if err := c.Post(ctx, "1", event); err != nil {
			t.Fatalf("Post: %v", err)
		}
	}
	if len(h.notes) != 1 {
		t.Fatalf("%d notes for one event, want 1", len(h.notes))
	}
	n := h.notes[0]
	if n.Associations[0].To.ID != "1" {
		t.Errorf("note associated to %q, want contact 1", n.Associations[0].To.ID)
	}
	if n.Properties["hs_timestamp"] != "2026-03-01T12:00:00.000Z" {
		t.Errorf("hs_timestamp %q", n.Properties["hs_timestamp"])
	}
	body := n.Properties["hs_note_body"]
	for _, want := range []string{"chat-1", "billing", "Reply 1 for Billing", "1 &lt;script&gt;", "Hello!", "consumer", "agent", "system"} {
		if !strings.Contains(body, want) {
			t.Errorf("note body lacks %q: %s", want, body)
		}
	}

	second := event
	second.ID, second.Type, second.Transcript, second.Media = "ev-2", crm.EventMedia, nil, []string{"https://media.example/1.jpg"}
	if err := c.Post(ctx, "1", second); err != nil {
		t.Fatal(err)
	}
	if len(h.notes) != 2 || !strings.Contains(h.notes[1].Properties["hs_note_body"], "https://media.example/1.jpg") {
		t.Errorf("media event: %d notes, last %+v", len(h.notes), h.notes[len(h.notes)-1])
	}
}

func TestRetryAfter429(t *testing.T) {
	h, c := setup(t, contact("1", "+15551234567", "", "Ada"))
	h.throttle = 1
	start := time.Now()
	if err := c.Post(context.Background(), "1", event); err != nil {
		t.Fatalf("Post: %v", err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v; Retry-After said 1s", d)
	}
	if h.throttled != 1 || len(h.notes) != 1 {
		t.Errorf("throttled %d, notes %d; want 1 and 1", h.throttled, len(h.notes))
	}
}

func TestUnauthorizedIsPermanent(t *testing.T) {
	_, c := setup(t)
	c.Token = "wrong"
	c.HTTP = &http.Client{}
	// The fake reports the bad token as a test failure, so point the client at a server that
	// only refuses.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write(bytes.TrimSpace([]byte(`{"status":"error","category":"INVALID_AUTHENTICATION"}`)))
	}))
	defer srv.Close()
	c.BaseURL = srv.URL
	if _, err := c.FindContacts(context.Background(), "+15551234567"); !errors.Is(err, crm.ErrPermanent) {
		t.Fatalf("FindContacts with a bad token = %v; want ErrPermanent", err)
	}
}

func TestNoLedgerRefuses(t *testing.T) {
	_, c := setup(t)
	c.Ledger = nil
	if err := c.Post(context.Background(), "1", event); !errors.Is(err, crm.ErrPermanent) {
		t.Fatalf("Post without a ledger = %v; want ErrPermanent", err)
	}
}
