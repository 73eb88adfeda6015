// Package carrier is smsdesk's edge to Twilio: sending through the real twilio-go client and
// checking the signature of Twilio's webhooks.
package carrier

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// Config is how to reach the carrier.
type Config struct {
	AccountSID string
	AuthToken  string
	// APIURL replaces https://api.twilio.com (scheme and host) to reach a local simulator;
	// empty in production.
	APIURL string
}

// Unconfigured stands in for the carrier in functions deployed without its credentials: it
// refuses to send, so a misconfiguration shows as failed deliveries, not silence.
type Unconfigured struct{}

// Send always fails.
func (Unconfigured) Send(context.Context, Message) (Sent, error) {
	return Sent{}, errors.New("carrier: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set for this function")
}

// Client sends messages.
type Client struct {
	rest *twilio.RestClient
}

// New builds a twilio-go client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" {
		return nil, errors.New("carrier: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set")
	}
	hc := &http.Client{
		Timeout: 10 * time.Second,
		// twilio-go expects redirects not to be followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if cfg.APIURL != "" {
		u, err := url.Parse(cfg.APIURL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("carrier: TWILIO_API_URL %q is not a URL like http://localhost:8090", cfg.APIURL)
		}
		hc.Transport = rewriteHost{scheme: u.Scheme, host: u.Host, next: http.DefaultTransport}
	}
	c := &client.Client{Credentials: client.NewCredentials(cfg.AccountSID, cfg.AuthToken), HTTPClient: hc}
	c.SetAccountSid(cfg.AccountSID)
	return &Client{rest: twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})}, nil
}

// rewriteHost sends every request to another scheme and host, keeping path and query.
type rewriteHost struct {
	scheme, host string
	next         http.RoundTripper
}

func (r rewriteHost) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = r.scheme, r.host, r.host
	return r.next.RoundTrip(req)
}

// Message is one text to send.
type Message struct {
	From, To, Body string
	MediaURLs      []string
	StatusCallback string
}

// Sent is the carrier's acknowledgement.
type Sent struct {
	SID    string
	Status string
}

// Error is a refusal by the carrier.
type Error struct {
	HTTPStatus int
	Code       int
	Message    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("carrier refused: HTTP %d, error %d: %s", e.HTTPStatus, e.Code, e.Message)
}

// Transient reports whether trying again later may succeed (rate limits, carrier outages).
func (e *Error) Transient() bool { return e.HTTPStatus == 429 || e.HTTPStatus >= 500 }

// Error codes smsdesk acts on.
const (
	CodeUnsubscribed = 21610 // the consumer opted out with the carrier
)

// Send hands one message to the carrier. A *Error reports a refusal; any other error means
// the outcome is unknown (timeout, network, undecodable reply) and is transient.
func (c *Client) Send(ctx context.Context, m Message) (Sent, error) {
	p := &openapi.CreateMessageParams{}
	p.SetTo(m.To)
	p.SetFrom(m.From)
	if m.Body != "" {
		p.SetBody(m.Body)
	}
	if len(m.MediaURLs) > 0 {
		p.SetMediaUrl(m.MediaURLs)
	}
	if m.StatusCallback != "" {
		p.SetStatusCallback(m.StatusCallback)
	}
	res, err := c.rest.Api.CreateMessage(p)
	if err != nil {
		var te *client.TwilioRestError
		if errors.As(err, &te) {
			return Sent{}, &Error{HTTPStatus: te.Status, Code: te.Code, Message: te.Message}
		}
		return Sent{}, fmt.Errorf("send to %s: %w", m.To, err)
	}
	out := Sent{}
	if res.Sid != nil {
		out.SID = *res.Sid
	}
	if res.Status != nil {
		out.Status = *res.Status
	}
	return out, nil
}

// Validator checks X-Twilio-Signature on webhooks. Without an auth token it accepts nothing.
type Validator struct {
	v     client.RequestValidator
	ready bool
}

// NewValidator makes a validator for the account's auth token.
func NewValidator(authToken string) Validator {
	return Validator{v: client.NewRequestValidator(authToken), ready: authToken != ""}
}

// Valid reports whether signature signs params for publicURL, the exact URL the carrier called.
func (v Validator) Valid(publicURL string, form url.Values, signature string) bool {
	if signature == "" || !v.ready {
		return false
	}
	params := make(map[string]string, len(form))
	for k, vs := range form {
		if len(vs) > 0 {
			params[k] = vs[0]
		}
	}
	return v.v.Validate(publicURL, params, signature)
}

// SignedURL is the URL the carrier signed for request r: the configured public URL of the
// webhook plus the request's query string. The request's own host is not trusted.
func SignedURL(public string, r *http.Request) string {
	if r.URL.RawQuery != "" {
		return public + "?" + r.URL.RawQuery
	}
	return public
}

// ReadSignedForm reads a webhook's form body and checks its X-Twilio-Signature against the
// public URL the carrier called. When the request must be refused it returns the HTTP status
// (405, 400 or 403) and why; otherwise 0.
func (v Validator) ReadSignedForm(w http.ResponseWriter, r *http.Request, publicURL string) (int, string) {
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, "POST a Twilio webhook"
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return http.StatusBadRequest, "malformed form body: " + err.Error()
	}
	if !v.Valid(SignedURL(publicURL, r), r.PostForm, r.Header.Get("X-Twilio-Signature")) {
		return http.StatusForbidden, "invalid X-Twilio-Signature"
	}
	return 0, ""
}
