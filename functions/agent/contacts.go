package agent

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/functions/internal/jsonapi"
	"github.com/smsdesk/smsdesk/shared/agentview"
	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/crm/firestorecrm"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/phone"
	"github.com/smsdesk/smsdesk/shared/routing"
)

// ContactBook is the built-in CRM's contacts, with their records of chats.
type ContactBook interface {
	FindContacts(ctx context.Context, phone string) ([]crm.Contact, error)
	CreateContact(ctx context.Context, c crm.Contact) (crm.Contact, error)
	Contact(ctx context.Context, id string) (crm.Contact, error)
	UpdateContact(ctx context.Context, c crm.Contact) error
	Records(ctx context.Context, contactID string) ([]firestorecrm.Record, error)
	Events(ctx context.Context, contactID, recordID string) ([]firestorecrm.StoredEvent, error)
}

// WithContacts adds the built-in CRM's contacts API:
//
//	GET  /contacts?phone=+15551234567   the contacts with that number
//	POST /contacts                      {"phone":"+1555…","name":"…","email":"…"}: create one
//	GET  /contacts/{id}                 one contact with its records and their events
//	PUT  /contacts/{id}                 {"phone":"…","name":"…","email":"…"}: replace its details
//
// Agents see phone numbers masked, as in chats; supervisors and admins see them in full.
func (h *Handler) WithContacts(book ContactBook) *Handler {
	c := contactsAPI{h: h, book: book}
	h.mux.HandleFunc("GET /contacts", h.auth(c.find))
	h.mux.HandleFunc("POST /contacts", h.auth(c.create))
	h.mux.HandleFunc("GET /contacts/{id}", h.auth(c.get))
	h.mux.HandleFunc("PUT /contacts/{id}", h.auth(c.update))
	return h
}

type contactsAPI struct {
	h    *Handler
	book ContactBook
}

type contactBody struct {
	ID    string `json:"id"`
	Phone string `json:"phone"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

type recordJSON struct {
	ID       string      `json:"id"`
	ChatIDs  []string    `json:"chatIds"`
	Queue    string      `json:"queue"`
	Language string      `json:"language"`
	Open     bool        `json:"open"`
	OpenedAt time.Time   `json:"openedAt"`
	Events   []eventJSON `json:"events"`
}

type eventJSON struct {
	ID         string     `json:"id"`
	Type       string     `json:"type"`
	ChatID     string     `json:"chatId"`
	At         time.Time  `json:"at"`
	Text       string     `json:"text,omitempty"`
	Media      []string   `json:"media,omitempty"`
	Transcript []lineJSON `json:"transcript,omitempty"`
}

type lineJSON struct {
	Author string    `json:"author"`
	Body   string    `json:"body"`
	At     time.Time `json:"at"`
}

func contactJSONOf(c crm.Contact, a routing.Agent) contactBody {
	return contactBody{ID: c.ID, Phone: agentview.Phone(a, c.Phone), Name: c.Name, Email: c.Email}
}

func (c contactsAPI) find(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	q := r.URL.Query().Get("phone")
	if strings.HasPrefix(q, " ") {
		q = "+" + strings.TrimSpace(q) // an unencoded + arrives as a space
	}
	e164, err := phone.Normalize(q, "")
	if err != nil {
		jsonapi.WriteError(w, http.StatusBadRequest, "invalid", "phone must be a number with its country code, like ?phone=%2B15551234567: "+err.Error())
		return
	}
	found, err := c.book.FindContacts(r.Context(), e164)
	if err != nil {
		c.fail(w, err)
		return
	}
	out := make([]contactBody, 0, len(found))
	for _, f := range found {
		_, _, seen, err := c.access(r.Context(), a, f.ID)
		if err != nil {
			c.fail(w, err)
			return
		}
		if seen {
			out = append(out, contactJSONOf(f, a))
		}
	}
	jsonapi.Write(w, http.StatusOK, map[string]any{"contacts": out})
}

func (c contactsAPI) create(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	var in contactBody
	if !decodeBody(w, r, &in) {
		return
	}
	made, err := c.book.CreateContact(r.Context(), crm.Contact{Phone: strings.TrimSpace(in.Phone), Name: in.Name, Email: in.Email})
	if err != nil {
		c.fail(w, err)
		return
	}
	c.h.Log.Info("CRM contact created", "contact", made.ID, "agent", a.ID)
	jsonapi.Write(w, http.StatusCreated, contactJSONOf(made, a))
}

func (c contactsAPI) update(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	var in contactBody
	if !decodeBody(w, r, &in) {
		return
	}
	ct := crm.Contact{ID: r.PathValue("id"), Phone: strings.TrimSpace(in.Phone), Name: in.Name, Email: in.Email}
	if _, _, seen, err := c.access(r.Context(), a, ct.ID); err != nil || !seen {
		c.fail(w, cmp.Or(err, firestorecrm.ErrNotFound))
		return
	}
	if err := c.book.UpdateContact(r.Context(), ct); err != nil {
		c.fail(w, err)
		return
	}
	c.h.Log.Info("CRM contact updated", "contact", ct.ID, "agent", a.ID)
	c.get(w, r, a)
}

func (c contactsAPI) get(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	ctx, id := r.Context(), r.PathValue("id")
	records, readable, seen, err := c.access(ctx, a, id)
	if err != nil || !seen {
		c.fail(w, cmp.Or(err, firestorecrm.ErrNotFound))
		return
	}
	ct, err := c.book.Contact(ctx, id)
	if err != nil {
		c.fail(w, err)
		return
	}
	out := struct {
		contactBody
		Records []recordJSON `json:"records"`
	}{contactJSONOf(ct, a), make([]recordJSON, 0, len(records))}
	for _, rec := range records {
		evs, err := c.book.Events(ctx, id, rec.ID)
		if err != nil {
			c.fail(w, err)
			return
		}
		rj := recordJSON{ID: rec.ID, ChatIDs: rec.ChatIDs, Queue: rec.Queue, Language: rec.Language, Open: rec.Open, OpenedAt: rec.OpenedAt, Events: make([]eventJSON, 0, len(evs))}
		for _, e := range evs {
			if e.ChatID != "" && !readable[e.ChatID] {
				continue // another chat appended to the same record
			}
			ej := eventJSON{ID: e.ID, Type: e.Type, ChatID: e.ChatID, At: e.At, Text: e.Text, Media: e.Media}
			for _, l := range e.Transcript {
				ej.Transcript = append(ej.Transcript, lineJSON(l))
			}
			rj.Events = append(rj.Events, ej)
		}
		out.Records = append(out.Records, rj)
	}
	jsonapi.Write(w, http.StatusOK, out)
}

// access reads a contact's records and tells which the agent may see: the records of chats
// they may read (desk.ReadableChats), and whether they may see the contact at all. A contact
// they may not see answers like one that does not exist.
func (c contactsAPI) access(ctx context.Context, a routing.Agent, contactID string) ([]firestorecrm.Record, map[string]bool, bool, error) {
	records, err := c.book.Records(ctx, contactID)
	if err != nil {
		return nil, nil, false, err
	}
	var chats []string
	for _, rec := range records {
		chats = append(chats, rec.ChatIDs...)
	}
	readable, err := c.h.Desk.ReadableChats(ctx, a, chats)
	if err != nil {
		return nil, nil, false, err
	}
	seen := records[:0:0]
	for _, rec := range records {
		if desk.SeesRecord(readable, rec.ChatIDs) {
			seen = append(seen, rec)
		}
	}
	return seen, readable, desk.SeesContact(a, readable), nil
}

// fail answers the built-in CRM's errors: an unknown contact 404, a refused value 400.
func (c contactsAPI) fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, firestorecrm.ErrNotFound):
		jsonapi.WriteError(w, http.StatusNotFound, "not_found", "no such contact")
	case errors.Is(err, crm.ErrPermanent):
		jsonapi.WriteError(w, http.StatusBadRequest, "invalid", strings.TrimPrefix(err.Error(), "firestorecrm: "))
	default:
		c.h.fail(w, err)
	}
}
