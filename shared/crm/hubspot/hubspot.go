// Package hubspot is a CRM adapter for HubSpot's CRM v3 API, authenticated with a private app
// token: contacts are searched by phone and mobile phone and created as contacts; each event
// becomes a note associated with the contact.
//
// HubSpot has no idempotency keys, so the Client keeps the ids of the events it has posted in a
// crm.Ledger and skips those it finds there. The window between a note's creation and its
// ledger mark is the only place a crash can still write a note twice.
package hubspot

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/crm/internal/httpretry"
	"github.com/smsdesk/smsdesk/shared/phone"
)

// DefaultBaseURL is HubSpot's API.
const DefaultBaseURL = "https://api.hubapi.com"

// NoteToContact is HubSpot's association type id of a note to a contact.
const NoteToContact = 202

// Retry bounds the retries of a request.
type Retry = httpretry.Policy

// Client is the HubSpot CRM. Token and Ledger are required; the rest have working zero values.
type Client struct {
	BaseURL string // DefaultBaseURL when empty; a local server in tests
	Token   string // private app access token, sent as a Bearer token
	Ledger  crm.Ledger
	HTTP    *http.Client
	Retry   Retry
	Now     func() time.Time // the note time of events without At; time.Now when nil
}

// New returns a Client on HubSpot's API with a 30-second timeout per request.
func New(token string, ledger crm.Ledger) *Client {
	return &Client{Token: token, Ledger: ledger, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

var _ crm.CRM = (*Client)(nil)

// Wire types of CRM v3.
type (
	filter struct {
		PropertyName string `json:"propertyName"`
		Operator     string `json:"operator"`
		Value        string `json:"value"`
	}
	filterGroup struct {
		Filters []filter `json:"filters"`
	}
	searchRequest struct {
		FilterGroups []filterGroup `json:"filterGroups"`
		Properties   []string      `json:"properties"`
		Limit        int           `json:"limit"`
		After        string        `json:"after,omitempty"`
	}
	object struct {
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
	}
	searchResponse struct {
		Total   int      `json:"total"`
		Results []object `json:"results"`
		Paging  *struct {
			Next *struct {
				After string `json:"after"`
			} `json:"next"`
		} `json:"paging"`
	}
	associationType struct {
		AssociationCategory string `json:"associationCategory"`
		AssociationTypeID   int    `json:"associationTypeId"`
	}
	association struct {
		To struct {
			ID string `json:"id"`
		} `json:"to"`
		Types []associationType `json:"types"`
	}
	createRequest struct {
		Properties   map[string]string `json:"properties"`
		Associations []association     `json:"associations,omitempty"`
	}
)

var contactProperties = []string{"firstname", "lastname", "email", "phone", "mobilephone"}

// maxPages bounds a search: a number shared by more than a few hundred contacts is a data
// problem, and the agent is asked to choose among the first ones anyway.
const maxPages = 5

// FindContacts searches the contacts whose phone or mobile phone is phone.
func (c *Client) FindContacts(ctx context.Context, phone string) ([]crm.Contact, error) {
	req := searchRequest{
		FilterGroups: []filterGroup{
			{Filters: []filter{{PropertyName: "phone", Operator: "EQ", Value: phone}}},
			{Filters: []filter{{PropertyName: "mobilephone", Operator: "EQ", Value: phone}}},
		},
		Properties: contactProperties,
		Limit:      100,
	}
	var contacts []crm.Contact
	seen := map[string]bool{}
	for range maxPages {
		var resp searchResponse
		if err := c.call(ctx, "/crm/v3/objects/contacts/search", req, &resp); err != nil {
			return nil, fmt.Errorf("hubspot: search contacts with phone %s: %w", phone, err)
		}
		for _, o := range resp.Results {
			if o.ID == "" || seen[o.ID] {
				continue
			}
			seen[o.ID] = true
			contacts = append(contacts, contactOf(o, phone))
		}
		if resp.Paging == nil || resp.Paging.Next == nil || resp.Paging.Next.After == "" {
			break
		}
		req.After = resp.Paging.Next.After
	}
	return contacts, nil
}

func contactOf(o object, searched string) crm.Contact {
	p := o.Properties
	ct := crm.Contact{ID: o.ID, Phone: searched, Email: p["email"],
		Name: strings.TrimSpace(p["firstname"] + " " + p["lastname"])}
	for _, raw := range []string{p["phone"], p["mobilephone"]} {
		if n, err := phone.Normalize(raw, ""); err == nil && n == searched {
			return ct
		}
	}
	if n, err := phone.Normalize(p["phone"], ""); err == nil {
		ct.Phone = n
	}
	return ct
}

var existingID = regexp.MustCompile(`Existing ID: ?(\d+)`)

// CreateContact creates a contact with the phone number, the name split into first and last
// name, and the email. When HubSpot answers 409 because a contact has the email already, that
// contact is returned.
func (c *Client) CreateContact(ctx context.Context, ct crm.Contact) (crm.Contact, error) {
	props := map[string]string{"phone": ct.Phone}
	if first, last, _ := strings.Cut(strings.TrimSpace(ct.Name), " "); first != "" {
		props["firstname"] = first
		if last = strings.TrimSpace(last); last != "" {
			props["lastname"] = last
		}
	}
	if ct.Email != "" {
		props["email"] = ct.Email
	}
	var out object
	status, body, err := c.do(ctx, "/crm/v3/objects/contacts", createRequest{Properties: props}, http.StatusConflict)
	if err != nil {
		return crm.Contact{}, fmt.Errorf("hubspot: create contact with phone %s: %w", ct.Phone, err)
	}
	if status == http.StatusConflict {
		m := existingID.FindSubmatch(body)
		if m == nil {
			return crm.Contact{}, fmt.Errorf("hubspot: create contact with phone %s: %w: conflict: %s", ct.Phone, crm.ErrPermanent, body)
		}
		ct.ID = string(m[1])
		return ct, nil
	}
	if err := json.Unmarshal(body, &out); err != nil || out.ID == "" {
		return crm.Contact{}, fmt.Errorf("hubspot: create contact with phone %s: the answer has no id: %s", ct.Phone, body)
	}
	ct.ID = out.ID
	return ct, nil
}

// Post writes the event as a note on the contact, once per event id.
func (c *Client) Post(ctx context.Context, contactID string, e crm.Event) error {
	if err := e.Validate(); err != nil {
		return fmt.Errorf("hubspot: %w", err)
	}
	if c.Ledger == nil {
		return fmt.Errorf("hubspot: %w: no Ledger configured; without one a retry could post a note twice", crm.ErrPermanent)
	}
	key := "hubspot/" + contactID + "/" + e.ID
	seen, err := c.Ledger.Seen(ctx, key)
	if err != nil {
		return fmt.Errorf("hubspot: event %s: ledger: %w", e.ID, err)
	}
	if seen {
		return nil
	}
	at := e.At
	if at.IsZero() {
		at = c.now()
	}
	a := association{Types: []associationType{{AssociationCategory: "HUBSPOT_DEFINED", AssociationTypeID: NoteToContact}}}
	a.To.ID = contactID
	note := createRequest{
		Properties: map[string]string{
			"hs_note_body": NoteBody(e),
			"hs_timestamp": at.UTC().Format("2006-01-02T15:04:05.000Z"),
		},
		Associations: []association{a},
	}
	var out object
	if err := c.call(ctx, "/crm/v3/objects/notes", note, &out); err != nil {
		return fmt.Errorf("hubspot: note for event %s (%s) of chat %s on contact %s: %w", e.ID, e.Type, e.ChatID, contactID, err)
	}
	if err := c.Ledger.Mark(ctx, key); err != nil {
		return fmt.Errorf("hubspot: note %s for event %s created, but the ledger failed: %w", out.ID, e.ID, err)
	}
	return nil
}

// NoteBody renders an event as the HTML of a note.
func NoteBody(e crm.Event) string {
	var b strings.Builder
	p := func(format string, args ...any) {
		for i, a := range args {
			if s, ok := a.(string); ok {
				args[i] = html.EscapeString(s)
			}
		}
		fmt.Fprintf(&b, "<p>"+format+"</p>", args...)
	}
	title := map[string]string{
		crm.EventChatConnected: "SMS chat connected", crm.EventOutboundSent: "Outbound SMS sent",
		crm.EventTransferStarted: "Transfer started", crm.EventTransferFailed: "Transfer failed",
		crm.EventTransferEnded: "Transfer ended", crm.EventMedia: "Media received",
		crm.EventChatEnded: "SMS chat ended", crm.EventTranscript: "SMS chat transcript",
	}[e.Type]
	if title == "" {
		title = e.Type
	}
	p("<strong>%s</strong>", title)
	meta := []string{"Chat " + e.ChatID}
	if e.Queue != "" {
		meta = append(meta, "queue "+e.Queue)
	}
	if e.Language != "" {
		meta = append(meta, "language "+e.Language)
	}
	if e.Phone != "" {
		meta = append(meta, "phone "+e.Phone)
	}
	p("%s", strings.Join(meta, " · "))
	if e.Text != "" {
		p("%s", e.Text)
	}
	for _, m := range e.Media {
		u := html.EscapeString(m)
		fmt.Fprintf(&b, `<p><a href="%s">%s</a></p>`, u, u)
	}
	for _, l := range e.Transcript {
		when := ""
		if !l.At.IsZero() {
			when = l.At.UTC().Format("15:04:05") + " "
		}
		p("%s<strong>%s</strong>: %s", when, l.Author, l.Body)
	}
	return b.String()
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// call POSTs in to path and decodes a 2xx answer into out.
func (c *Client) call(ctx context.Context, path string, in, out any) error {
	_, body, err := c.do(ctx, path, in)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decode the answer of %s: %w", path, err)
	}
	return nil
}

func (c *Client) do(ctx context.Context, path string, in any, accept ...int) (int, []byte, error) {
	if c.Token == "" {
		return 0, nil, fmt.Errorf("%w: no HubSpot access token configured", crm.ErrPermanent)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: encode: %w", crm.ErrPermanent, err)
	}
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("Authorization", "Bearer "+c.Token)
	return httpretry.Do(ctx, c.HTTP, c.Retry, http.MethodPost, strings.TrimRight(base, "/")+path, h, body, accept...)
}
