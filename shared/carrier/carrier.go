// Package carrier is smsdesk's edge to Twilio: sending through the real twilio-go client and
// checking the signature of Twilio's webhooks.
package carrier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

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
	// Timeout bounds each call to the carrier (default DefaultTimeout).
	Timeout time.Duration
}

// Unconfigured stands in for the carrier in functions deployed without its credentials: it
// refuses to send, so a misconfiguration shows as failed deliveries, not silence.
type Unconfigured struct{}

var errUnconfigured = errors.New("carrier: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set for this function")

// Send always fails.
func (Unconfigured) Send(context.Context, Message) (Sent, error) { return Sent{}, errUnconfigured }

// Find always fails.
func (Unconfigured) Find(context.Context, Message, time.Time) (Sent, bool, error) {
	return Sent{}, false, errUnconfigured
}

// Status always fails.
func (Unconfigured) Status(context.Context, string) (Status, error) { return Status{}, errUnconfigured }

// Client sends messages.
type Client struct {
	creds      *client.Credentials
	accountSID string
	// http is shared by every call (its connection pool); each call wraps its transport to
	// learn whether the carrier answered.
	http *http.Client
}

// DefaultTimeout bounds one call to the carrier, as twilio-go's own client does.
const DefaultTimeout = 10 * time.Second

// IdleConns is how many connections to the carrier a client keeps open between calls: more
// than the sender's concurrent sends (40 per instance).
const IdleConns = 64

// New builds a twilio-go client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" {
		return nil, errors.New("carrier: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// Keep a connection per concurrent send: the default keeps two per host, so a sender
	// with tens of sends at once would dial (and in the cloud shake hands over TLS) for most.
	pool := http.DefaultTransport.(*http.Transport).Clone()
	pool.MaxIdleConns, pool.MaxIdleConnsPerHost = IdleConns, IdleConns
	hc := &http.Client{
		Timeout:   timeout,
		Transport: pool,
		// twilio-go expects redirects not to be followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if cfg.APIURL != "" {
		u, err := url.Parse(cfg.APIURL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("carrier: TWILIO_API_URL %q is not a URL like http://localhost:8090", cfg.APIURL)
		}
		hc.Transport = rewriteHost{scheme: u.Scheme, host: u.Host, next: pool}
	}
	return &Client{creds: client.NewCredentials(cfg.AccountSID, cfg.AuthToken), accountSID: cfg.AccountSID, http: hc}, nil
}

// call is one exchange with the carrier: a twilio-go API over a transport that records
// whether an HTTP answer came back. twilio-go takes no context, so the transport adds ctx.
type call struct {
	api *openapi.ApiService
	rec *answerRecorder
}

func (c *Client) call(ctx context.Context) call {
	rec := &answerRecorder{ctx: ctx, next: c.http.Transport}
	hc := *c.http
	hc.Transport = rec
	tc := &client.Client{Credentials: c.creds, HTTPClient: &hc}
	tc.SetAccountSid(c.accountSID)
	return call{api: openapi.NewApiServiceWithClient(tc), rec: rec}
}

// answerRecorder remembers the HTTP status of the last answer it passed on.
type answerRecorder struct {
	ctx    context.Context
	next   http.RoundTripper
	mu     sync.Mutex
	status int
}

func (a *answerRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	// The request's own context carries the client's timeout; ctx ends it too.
	rctx, cancel := context.WithCancel(req.Context())
	stop := context.AfterFunc(a.ctx, cancel)
	done := func() { stop(); cancel() }
	res, err := a.next.RoundTrip(req.WithContext(rctx))
	if err != nil {
		done()
		return nil, err
	}
	a.mu.Lock()
	a.status = res.StatusCode
	a.mu.Unlock()
	res.Body = closeFunc{ReadCloser: res.Body, after: done}
	return res, nil
}

// closeFunc calls after once its body is closed.
type closeFunc struct {
	io.ReadCloser
	after func()
}

func (c closeFunc) Close() error {
	err := c.ReadCloser.Close()
	c.after()
	return err
}

func (a *answerRecorder) answered() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.status
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

// Error is an answer from the carrier that is not an acceptance: a refusal with its error
// code, or an HTTP error page (Code 0) from the carrier or a proxy in front of it.
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

// ErrNoAnswer reports a call that got no HTTP answer (a timeout, a broken connection) or an
// acceptance that could not be read: the carrier may or may not have the message.
var ErrNoAnswer = errors.New("no answer from the carrier")

// Error codes smsdesk acts on.
const (
	CodeUnsubscribed = 21610 // the consumer opted out with the carrier
)

// Send hands one message to the carrier. Any HTTP answer other than an acceptance is an
// *Error: the message was not taken. An error wrapping ErrNoAnswer means the outcome is
// unknown; Find tells whether the carrier has the message.
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
	call := c.call(ctx)
	res, err := call.api.CreateMessage(p)
	if err != nil {
		var te *client.TwilioRestError
		status := call.rec.answered()
		switch {
		case errors.As(err, &te):
			return Sent{}, &Error{HTTPStatus: te.Status, Code: te.Code, Message: te.Message}
		case status >= 300:
			// An error page twilio-go could not decode (e.g. a 503 from a load balancer).
			return Sent{}, &Error{HTTPStatus: status, Message: err.Error()}
		}
		return Sent{}, fmt.Errorf("send to %s: %w: %w", m.To, ErrNoAnswer, err)
	}
	return sent(res), nil
}

func sent(res *openapi.ApiV2010Message) Sent {
	out := Sent{}
	if res.Sid != nil {
		out.SID = *res.Sid
	}
	if res.Status != nil {
		out.Status = *res.Status
	}
	return out
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
// AcceptSigned reads and checks a webhook as ReadSignedForm does and, when it is refused,
// answers the refusal itself (a forged one logged as refused, what naming the webhook). It
// reports whether the handler may go on with r.PostForm.
func (v Validator) AcceptSigned(w http.ResponseWriter, r *http.Request, publicURL string, log *slog.Logger, what string) bool {
	code, why := v.ReadSignedForm(w, r, publicURL)
	if code == 0 {
		return true
	}
	if code == http.StatusForbidden {
		log.Warn(what+" refused", "url", publicURL, "remote", r.RemoteAddr, "why", why)
	}
	http.Error(w, why, code)
	return false
}

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
