// Package carriersim is a local carrier simulator that speaks Twilio's
// Programmable Messaging wire format over HTTP. It accepts sends from the
// real twilio-go client, posts signed status callbacks, and posts signed
// inbound-message webhooks (with MMS media served behind basic auth), so the
// project's real client and webhook handlers can be exercised end to end
// without touching the network. See /work/shared/CARRIER.md for the facts it
// honours.
package carriersim

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// APIVersion is the Twilio REST API version the simulator speaks.
const APIVersion = "2010-04-01"

// Options configures a Sim.
type Options struct {
	// AccountSID and AuthToken are the credentials the REST API accepts
	// (HTTP basic auth) and the key webhooks and callbacks are signed with.
	AccountSID, AuthToken string
	// WebhookURL is the default URL inbound-message webhooks are POSTed to:
	// the exact public URL that gets signed.
	WebhookURL string
	// FallbackURL, when set, is called as the carrier calls a number's fallback URL: when the
	// webhook does not answer, cannot be reached or answers other than 2xx. The request is
	// the same, with ErrorCode and ErrorUrl added, signed for the fallback URL.
	FallbackURL string
	// VoiceURL is the URL incoming-call webhooks are POSTed to (the number's voice URL).
	VoiceURL string
	// VoiceStatusURL receives the call status callbacks EndCall posts.
	VoiceStatusURL string
	// NumberWebhooks optionally overrides WebhookURL per business number
	// (the E.164 "To" of the inbound message).
	NumberWebhooks map[string]string
	// MessagingServices optionally maps a messaging service SID to its
	// sender numbers. A send with MessagingServiceSid and no From uses the
	// first number, and an opt-out from any of them blocks the service.
	MessagingServices map[string][]string
	// StatusDelay is the delay before each status callback (default 20ms).
	StatusDelay time.Duration
	// HTTPClient is used for webhook and callback POSTs (default: 10s timeout).
	HTTPClient *http.Client
	// Logger is optional; nothing is logged when nil.
	Logger *slog.Logger
}

// Sim is the carrier simulator. It implements http.Handler. All methods are
// safe for concurrent use.
// defaultStatusDelay is the delay before each status callback unless Options say otherwise.
const defaultStatusDelay = 20 * time.Millisecond

type Sim struct {
	opts   Options
	log    *slog.Logger
	client *http.Client
	mux    *http.ServeMux

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// callbacks counts messages whose status callbacks are pending; callbacksStarted every
	// message that had some.
	callbacks, callbacksStarted atomic.Int64

	mu       sync.Mutex
	baseURL  string
	messages []*Message          // accepted outbound messages, acceptance order
	bySID    map[string]*Message // outbound by SID
	changed  chan struct{}       // closed and replaced whenever messages change
	failures []failure           // queued FailNext answers
	// failUntil and failTimed are FailFor's: every send fails so until then.
	failUntil time.Time
	failTimed failure
	// chaos delivers status callbacks twice and out of order (DisorderCallbacks).
	chaos bool
	// dropping loses every status callback (DropCallbacks).
	dropping bool
	outcomes map[string]outcome // final delivery outcome by To
	optOuts  map[pair]bool      // (business, consumer) opted out
	replies  []*Message         // the carrier's own answers to keywords
	media    map[string]*mediaItem
	cdn      map[string]*mediaItem
	queued   map[string]*queuedCall // calls left waiting in a queue, by CallSid
	// cdnCredentialed counts CDN requests that carried an Authorization header.
	cdnCredentialed int
}

type failure struct {
	status, code int
	stall, taken bool // StallNext
}

type outcome struct {
	status string
	code   int
}

type pair struct{ business, consumer string }

// New returns a simulator configured by opts.
func New(opts Options) *Sim {
	if opts.StatusDelay <= 0 {
		opts.StatusDelay = defaultStatusDelay
	}
	s := &Sim{
		opts:     opts,
		log:      opts.Logger,
		client:   opts.HTTPClient,
		bySID:    map[string]*Message{},
		changed:  make(chan struct{}),
		outcomes: map[string]outcome{},
		optOuts:  map[pair]bool{},
		media:    map[string]*mediaItem{},
		cdn:      map[string]*mediaItem{},
		queued:   map[string]*queuedCall{},
		baseURL:  "http://localhost:8090",
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.routes()
	return s
}

// SetBaseURL sets the simulator's own public base URL (scheme://host[:port]),
// used in media URLs handed to webhooks. Call it once the listener is known.
func (s *Sim) SetBaseURL(u string) {
	s.mu.Lock()
	s.baseURL = strings.TrimRight(u, "/")
	s.mu.Unlock()
}

// BaseURL returns the base URL set with SetBaseURL.
func (s *Sim) BaseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// Close stops pending status callbacks and waits for in-flight ones to end.
// The Sim still answers HTTP requests afterwards but sends no more callbacks.
func (s *Sim) Close() {
	s.cancel()
	s.wg.Wait()
}

func (s *Sim) routes() {
	m := http.NewServeMux()
	p := "/" + APIVersion + "/Accounts/{account}"
	m.HandleFunc("POST "+p+"/Messages.json", s.authed(s.handleCreate))
	m.HandleFunc("GET "+p+"/Messages.json", s.authed(s.handleList))
	m.HandleFunc("GET "+p+"/Messages/{sid}", s.authed(s.handleFetch))
	m.HandleFunc("GET "+p+"/Messages/{sid}/Media/{media}", s.authed(s.handleMediaGet))
	m.HandleFunc("DELETE "+p+"/Messages/{sid}/Media/{media}", s.authed(s.handleMediaDelete))
	m.HandleFunc("GET /sim/cdn/{id}", s.handleCDN)
	m.HandleFunc("POST /sim/inbound", s.handleDevInbound)
	m.HandleFunc("POST /sim/call", s.handleDevCall)
	m.HandleFunc("POST /sim/bridge", s.handleDevBridge)
	m.HandleFunc("GET /sim/messages", s.handleDevMessages)
	m.HandleFunc("POST /sim/fail", s.handleDevFail)
	m.HandleFunc("POST /sim/outcome", s.handleDevOutcome)
	m.HandleFunc("POST /sim/optout", s.handleDevOptOut)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, 20404,
			fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
	})
	s.mux = m
}

// ServeHTTP serves the Twilio REST subset and the /sim/ dev endpoints.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	s.log.Debug("carriersim request", "method", r.Method, "path", r.URL.Path,
		"status", rec.status, "dur", time.Since(start))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// authed wraps a REST handler with HTTP basic auth and the path account check.
func (s *Sim) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || !s.credentialsOK(user, pass) || r.PathValue("account") != s.opts.AccountSID {
			writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
			return
		}
		h(w, r)
	}
}

func (s *Sim) credentialsOK(user, pass string) bool {
	u := subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.AccountSID))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.AuthToken))
	return u&p == 1 && s.opts.AccountSID != ""
}

// restError is Twilio's legacy error body, which twilio-go decodes into
// *client.TwilioRestError.
type restError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	if code == 0 {
		// A bare gateway error with an HTML body, as a load balancer sends.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", status, http.StatusText(status))
		return
	}
	writeJSON(w, status, restError{
		Code:     code,
		Message:  msg,
		MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		Status:   status,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// newSID returns prefix followed by 32 lowercase hex digits.
func newSID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// broadcastLocked wakes every WaitFor. s.mu must be held.
func (s *Sim) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
