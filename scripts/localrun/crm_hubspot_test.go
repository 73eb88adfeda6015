package localrun_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
)

// hubspotToken is the private app token the local run gives the HubSpot adapter.
const hubspotToken = "pat-e2e-hubspot-token"

// hubspotCRM stands in for HubSpot's CRM v3 API: contact search by phone, contact creation and
// notes associated with a contact, with the wire shapes the adapter's own tests check in full.
type hubspotCRM struct {
	mu       sync.Mutex
	contacts map[string]string   // id → phone
	notes    map[string][]string // contact id → note bodies, in order
	badAuth  int
}

var hubspot = &hubspotCRM{contacts: map[string]string{}, notes: map[string][]string{}}

func (h *hubspotCRM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+hubspotToken {
		h.badAuth++
		http.Error(w, `{"status":"error","category":"INVALID_AUTHENTICATION"}`, http.StatusUnauthorized)
		return
	}
	var req struct {
		FilterGroups []struct {
			Filters []struct{ PropertyName, Operator, Value string }
		}
		Properties   json.RawMessage // a list of names in a search, name → value otherwise
		Associations []struct {
			To struct{ ID string }
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"status":"error","category":"VALIDATION_ERROR"}`, http.StatusBadRequest)
		return
	}
	var props map[string]string
	if r.URL.Path != "/crm/v3/objects/contacts/search" && json.Unmarshal(req.Properties, &props) != nil {
		http.Error(w, `{"status":"error","category":"VALIDATION_ERROR"}`, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/crm/v3/objects/contacts/search":
		var results []map[string]any
		for _, g := range req.FilterGroups {
			for _, f := range g.Filters {
				for id, phone := range h.contacts {
					if (f.PropertyName == "phone" || f.PropertyName == "mobilephone") && f.Operator == "EQ" && f.Value == phone {
						results = append(results, map[string]any{"id": id, "properties": map[string]string{"phone": phone}})
					}
				}
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"total": len(results), "results": results})
	case "/crm/v3/objects/contacts":
		id := fmt.Sprint(1000 + len(h.contacts))
		h.contacts[id] = props["phone"]
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"id": id, "properties": props})
	case "/crm/v3/objects/notes":
		if len(req.Associations) != 1 || h.contacts[req.Associations[0].To.ID] == "" || props["hs_timestamp"] == "" {
			http.Error(w, `{"status":"error","category":"VALIDATION_ERROR"}`, http.StatusBadRequest)
			return
		}
		to := req.Associations[0].To.ID
		h.notes[to] = append(h.notes[to], props["hs_note_body"])
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"id": fmt.Sprint(len(h.notes[to]))})
	default:
		http.NotFound(w, r)
	}
}

// notesOf returns the notes on the HubSpot contact with the phone number.
func (h *hubspotCRM) notesOf(phone string) (string, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, p := range h.contacts {
		if p == phone {
			return id, slices.Clone(h.notes[id])
		}
	}
	return "", nil
}

// TestCRMHubSpot: a number whose chats go to HubSpot; the consumer becomes a HubSpot contact
// and the chat's events become notes on it, once each even when delivered again.
func TestCRMHubSpot(t *testing.T) {
	f := newFixture(t, withCRM(config.CRMHubSpot, ""))
	ctx := testCtx(t)
	phone := consumerPhone()
	id := connectChat(t, ctx, f, phone)
	api(t, f.Tokens["ana"], "POST", "/chats/"+id+"/end", nil, nil)
	st := waitSynced(t, ctx, id)
	for i := range 3 {
		if code := pushChatEvent(t, chatevents.Event{Type: chatevents.Ended, SessionID: id}, i); code != http.StatusOK {
			t.Errorf("redelivery answered %d", code)
		}
	}
	contact, notes := hubspot.notesOf(phone)
	if contact == "" || contact != st.ContactID {
		t.Fatalf("HubSpot contact for %s = %q, chat synced to %q", phone, contact, st.ContactID)
	}
	if len(notes) != 3 || !strings.Contains(notes[0], "SMS chat connected") || !strings.Contains(notes[1], "SMS chat ended") ||
		!strings.Contains(notes[2], "<strong>consumer</strong>: hi") {
		t.Errorf("notes on the contact = %q", notes)
	}
	hubspot.mu.Lock()
	defer hubspot.mu.Unlock()
	if hubspot.badAuth != 0 {
		t.Errorf("%d requests without the token", hubspot.badAuth)
	}
}
