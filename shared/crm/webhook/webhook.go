// Package webhook is a CRM adapter that sends contacts and events, as signed JSON, to a URL the
// business runs: the way to connect a CRM smsdesk has no adapter for.
//
// The contract, for the receiver. Every request is a POST with a JSON body and the headers
//
//	Content-Type: application/json
//	X-Smsdesk-Signature: sha256=<hex of HMAC-SHA256(secret, raw body)>
//
// which the receiver checks (Verify does) before trusting the body. With URL the configured
// address:
//
//   - POST {URL}/contacts/search, body {"phone":"+15551234567"}: answer 200 with
//     {"contacts":[{"id":"…","phone":"+15551234567","name":"…","email":"…"}]}, an empty list
//     when nobody has the number.
//   - POST {URL}/contacts, body {"phone":"…","name":"…","email":"…"}: create the contact and
//     answer 200 or 201 with it, its "id" set.
//   - POST {URL}, an event (see Payload) with the header X-Smsdesk-Event-Id: its id. The same
//     event may arrive more than once (retries): the receiver keeps the first and answers 2xx
//     (or 409) to repeats.
//
// Any 2xx is success. 429 (Retry-After is honoured) and 5xx are retried with exponential backoff,
// as are network errors; any other status is a permanent failure.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/crm/internal/httpretry"
)

// Header names.
const (
	SignatureHeader = "X-Smsdesk-Signature"
	EventIDHeader   = "X-Smsdesk-Event-Id"
)

// Retry bounds the retries of a request.
type Retry = httpretry.Policy

// Client is the webhook CRM. Set URL and Secret; the other fields have working zero values.
type Client struct {
	URL    string // events go here; contacts under URL/contacts
	Secret string // the HMAC-SHA256 key shared with the receiver
	HTTP   *http.Client
	Retry  Retry
	// Ledger, when set, remembers the events the receiver acknowledged so that they are not
	// sent again; receivers must deduplicate on X-Smsdesk-Event-Id either way.
	Ledger crm.Ledger
}

// New returns a Client for url signed with secret, with a 30-second timeout per request.
func New(url, secret string) *Client {
	return &Client{URL: url, Secret: secret, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

var _ crm.CRM = (*Client)(nil)

// Payload is the JSON body of an event.
type Payload struct {
	ID               string    `json:"id"`
	Type             string    `json:"type"`
	ContactID        string    `json:"contactId"`
	ChatID           string    `json:"chatId"`
	Phone            string    `json:"phone"`
	Language         string    `json:"language,omitempty"`
	Queue            string    `json:"queue,omitempty"`
	At               time.Time `json:"at"`
	Text             string    `json:"text,omitempty"`
	Media            []string  `json:"media,omitempty"`
	Transcript       []Line    `json:"transcript,omitempty"`
	ConsumerMessages int       `json:"consumerMessages,omitempty"`
}

// Line is a transcript line in a Payload.
type Line struct {
	Author string    `json:"author"`
	Body   string    `json:"body"`
	At     time.Time `json:"at"`
}

// ContactJSON is a contact on the wire.
type ContactJSON struct {
	ID    string `json:"id,omitempty"`
	Phone string `json:"phone"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// Sign returns the X-Smsdesk-Signature value of body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether header is the signature of body under secret, in constant time.
func Verify(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

// FindContacts asks the receiver for the contacts with the phone number.
func (c *Client) FindContacts(ctx context.Context, phone string) ([]crm.Contact, error) {
	var out struct {
		Contacts []ContactJSON `json:"contacts"`
	}
	if err := c.call(ctx, "/contacts/search", map[string]string{"phone": phone}, "", &out); err != nil {
		return nil, fmt.Errorf("webhook: search contacts with phone %s: %w", phone, err)
	}
	contacts := make([]crm.Contact, 0, len(out.Contacts))
	for _, x := range out.Contacts {
		if x.ID == "" {
			return nil, fmt.Errorf("webhook: search contacts with phone %s: a contact in the answer has no id", phone)
		}
		contacts = append(contacts, crm.Contact{ID: x.ID, Phone: x.Phone, Name: x.Name, Email: x.Email})
	}
	return contacts, nil
}

// CreateContact asks the receiver to create the contact.
func (c *Client) CreateContact(ctx context.Context, ct crm.Contact) (crm.Contact, error) {
	var out ContactJSON
	if err := c.call(ctx, "/contacts", ContactJSON{Phone: ct.Phone, Name: ct.Name, Email: ct.Email}, "", &out); err != nil {
		return crm.Contact{}, fmt.Errorf("webhook: create contact with phone %s: %w", ct.Phone, err)
	}
	if out.ID == "" {
		return crm.Contact{}, fmt.Errorf("webhook: create contact with phone %s: the answer has no id", ct.Phone)
	}
	return crm.Contact{ID: out.ID, Phone: or(out.Phone, ct.Phone), Name: or(out.Name, ct.Name), Email: or(out.Email, ct.Email)}, nil
}

// Post sends the event for the contact. It is idempotent on e.ID as far as the receiver
// honours X-Smsdesk-Event-Id (and the Ledger, when set, stops repeats of acknowledged events).
func (c *Client) Post(ctx context.Context, contactID string, e crm.Event) error {
	if err := e.Validate(); err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	key := "webhook/" + c.URL + "/" + contactID + "/" + e.ID
	if c.Ledger != nil {
		seen, err := c.Ledger.Seen(ctx, key)
		if err != nil {
			return fmt.Errorf("webhook: event %s: ledger: %w", e.ID, err)
		}
		if seen {
			return nil
		}
	}
	if err := c.call(ctx, "", payload(contactID, e), e.ID, nil, http.StatusConflict); err != nil {
		return fmt.Errorf("webhook: post event %s (%s) of chat %s: %w", e.ID, e.Type, e.ChatID, err)
	}
	if c.Ledger != nil {
		if err := c.Ledger.Mark(ctx, key); err != nil {
			return fmt.Errorf("webhook: event %s sent, but the ledger failed: %w", e.ID, err)
		}
	}
	return nil
}

func payload(contactID string, e crm.Event) Payload {
	p := Payload{
		ID: e.ID, Type: e.Type, ContactID: contactID, ChatID: e.ChatID, Phone: e.Phone,
		Language: e.Language, Queue: e.Queue, At: e.At.UTC(), Text: e.Text, Media: e.Media,
		ConsumerMessages: e.ConsumerMessages,
	}
	for _, l := range e.Transcript {
		p.Transcript = append(p.Transcript, Line{Author: l.Author, Body: l.Body, At: l.At.UTC()})
	}
	return p
}

// call POSTs in as signed JSON to URL+path and decodes the answer into out, when not nil.
func (c *Client) call(ctx context.Context, path string, in any, eventID string, out any, accept ...int) error {
	if c.URL == "" {
		return fmt.Errorf("%w: no webhook URL configured", crm.ErrPermanent)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%w: encode: %w", crm.ErrPermanent, err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "smsdesk-crm-webhook/1")
	h.Set(SignatureHeader, Sign(c.Secret, body))
	if eventID != "" {
		h.Set(EventIDHeader, eventID)
	}
	status, resp, err := httpretry.Do(ctx, c.HTTP, c.Retry, http.MethodPost, strings.TrimRight(c.URL, "/")+path, h, body, accept...)
	if err != nil {
		return err
	}
	if out == nil || status == http.StatusConflict {
		return nil
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("decode the answer: %w", err)
	}
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
