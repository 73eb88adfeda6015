// Package smsdesk registers every Cloud Function of smsdesk with the Functions Framework. This
// is the one list of entry points: each deploys from this module with its name as entry point,
// and the local runner serves them all on one port.
package smsdesk

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/smsdesk/smsdesk/functions/admin"
	"github.com/smsdesk/smsdesk/functions/agent"
	"github.com/smsdesk/smsdesk/functions/bulk"
	"github.com/smsdesk/smsdesk/functions/console"
	"github.com/smsdesk/smsdesk/functions/conversation"
	"github.com/smsdesk/smsdesk/functions/crmsync"
	"github.com/smsdesk/smsdesk/functions/expiry"
	"github.com/smsdesk/smsdesk/functions/inbound"
	"github.com/smsdesk/smsdesk/functions/outbound"
	"github.com/smsdesk/smsdesk/functions/sender"
	"github.com/smsdesk/smsdesk/functions/status"
	"github.com/smsdesk/smsdesk/functions/sweeper"
	voicefn "github.com/smsdesk/smsdesk/functions/voice"
	"github.com/smsdesk/smsdesk/shared/app"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/consoleauth"
	"github.com/smsdesk/smsdesk/shared/ingest"
)

func init() {
	functions.HTTP("inbound", Inbound)
	functions.HTTP("inboundfallback", InboundFallback)
	functions.HTTP("status", Status)
	functions.HTTP("agent", AgentAPI)
	functions.HTTP("console", Console)
	functions.HTTP("admin", AdminAPI)
	functions.HTTP("outbound", OutboundAPI)
	functions.HTTP("expiry", Expiry)
	functions.HTTP("sweeper", Sweeper)
	functions.HTTP("voice", Voice)
	functions.CloudEvent("conversation", Conversation)
	functions.CloudEvent("sender", Sender)
	functions.CloudEvent("bulk", Bulk)
	functions.CloudEvent("crmsync", CRMSync)
}

// Inbound is the carrier's webhook for consumer texts.
func Inbound(w http.ResponseWriter, r *http.Request) {
	defer observed("inbound", time.Now())
	inboundHandler.serve(w, r)
}

// InboundFallback is the carrier's fallback URL for consumer texts, called when Inbound fails
// or does not answer in time: it parks the text in Firestore as well as publishing it.
func InboundFallback(w http.ResponseWriter, r *http.Request) {
	defer observed("inboundfallback", time.Now())
	fallbackHandler.serve(w, r)
}

// Status is the carrier's delivery status webhook.
func Status(w http.ResponseWriter, r *http.Request) {
	defer observed("status", time.Now())
	statusHandler.serve(w, r)
}

// AgentAPI is the agent API.
func AgentAPI(w http.ResponseWriter, r *http.Request) {
	defer observed("agent", time.Now())
	agentHandler.serve(w, r)
}

// Console is the agents' console in the browser.
func Console(w http.ResponseWriter, r *http.Request) {
	defer observed("console", time.Now())
	consoleHandler.serve(w, r)
}

// AdminAPI is the admin API.
func AdminAPI(w http.ResponseWriter, r *http.Request) {
	defer observed("admin", time.Now())
	adminHandler.serve(w, r)
}

// OutboundAPI lets the business text consumers first.
func OutboundAPI(w http.ResponseWriter, r *http.Request) {
	defer observed("outbound", time.Now())
	outboundHandler.serve(w, r)
}

// Expiry receives chat timers from Cloud Tasks.
func Expiry(w http.ResponseWriter, r *http.Request) {
	defer observed("expiry", time.Now())
	expiryHandler.serve(w, r)
}

// Sweeper fires overdue chat deadlines; Cloud Scheduler runs it.
func Sweeper(w http.ResponseWriter, r *http.Request) {
	defer observed("sweeper", time.Now())
	sweeperHandler.serve(w, r)
}

// Voice is the carrier's voice webhook, answered with TwiML.
func Voice(w http.ResponseWriter, r *http.Request) {
	defer observed("voice", time.Now())
	voiceHandler.serve(w, r)
}

// Conversation consumes the inbound topic.
func Conversation(ctx context.Context, e event.Event) error {
	defer observed("conversation", time.Now())
	a, err := services.get()
	if err != nil {
		return err
	}
	return (&conversation.Handler{Texts: a.Conversation, Log: a.Log}).Handle(ctx, e)
}

// Sender consumes the outbound topic.
func Sender(ctx context.Context, e event.Event) error {
	defer observed("sender", time.Now())
	a, err := services.get()
	if err != nil {
		return err
	}
	return (&sender.Handler{Deliverer: a.Sender, Log: a.Log}).Handle(ctx, e)
}

// Bulk consumes the bulk topic.
func Bulk(ctx context.Context, e event.Event) error {
	defer observed("bulk", time.Now())
	a, err := services.get()
	if err != nil {
		return err
	}
	return (&bulk.Handler{Batches: a.Bulk, Log: a.Log}).Handle(ctx, e)
}

// CRMSync consumes the chat-events topic and records chats in the CRM.
func CRMSync(ctx context.Context, e event.Event) error {
	defer observed("crmsync", time.Now())
	a, err := services.get()
	if err != nil {
		return err
	}
	return (&crmsync.Handler{Syncer: a.CRMSync, Log: a.Log}).Handle(ctx, e)
}

var (
	services = &lazyApp{}
	webhooks = &lazyWebhooks{}

	// The webhooks build only what they use (app.Webhooks), for cold starts within the
	// carrier's deadline; the other functions build the whole app.
	inboundHandler = lazyHandler{build: func() (http.Handler, error) {
		w, err := webhooks.get()
		if err != nil {
			return nil, err
		}
		return &inbound.Handler{Texts: w.Inbound(), Validator: w.Validator, Account: w.Env.TwilioAccountSID,
			PublicURL: w.Env.FunctionURL("inbound"), Log: w.Log}, nil
	}}
	fallbackHandler = lazyHandler{build: func() (http.Handler, error) {
		w, err := webhooks.get()
		if err != nil {
			return nil, err
		}
		// The carrier signs the fallback URL it calls: the signature is checked against it.
		return &inbound.Handler{Texts: w.Fallback(), Validator: w.Validator, Account: w.Env.TwilioAccountSID,
			PublicURL: w.Env.FunctionURL("inboundfallback"), Log: w.Log}, nil
	}}
	statusHandler = lazyHandler{build: func() (http.Handler, error) {
		w, err := webhooks.get()
		if err != nil {
			return nil, err
		}
		return &status.Handler{Statuses: w.Statuses(), Later: w.Outbox(), Validator: w.Validator, Account: w.Env.TwilioAccountSID,
			PublicURL: w.Env.FunctionURL("status"), Log: w.Log}, nil
	}}
	agentHandler = lazyHandler{build: withApp(func(a *app.App) http.Handler {
		return agent.New(a.Store, a.Desk, a.MediaURL, a.Log).WithContacts(a.Contacts).WithMonitor(a.Monitor).WithReports(a.Reports).WithLive(a.Live).WithCalls(a.InCall)
	}), maxBody: agent.MaxRequestBody}
	consoleHandler = lazyHandler{build: withApp(func(a *app.App) http.Handler {
		auth := &consoleauth.Service{Sessions: a.Store, Agents: a.Store}
		if a.Env.IAPAudience != "" {
			auth.IAP = consoleauth.NewIAP(a.Env.IAPAudience)
		}
		return console.New(console.Options{Desk: a.Desk, Auth: auth, Stream: a.Live, MediaURL: a.MediaURL, MediaOrigins: mediaOrigins(a.MediaURL), Log: a.Log, Monitor: a.Monitor, Reports: a.Reports})
	})}
	adminHandler = lazyHandler{build: withApp(func(a *app.App) http.Handler {
		return admin.New(a.Store, a.Log)
	})}
	outboundHandler = lazyHandler{build: withApp(func(a *app.App) http.Handler {
		return outbound.New(a.Store, a.Outbound, a.Bulk, a.Log)
	})}
	expiryHandler = lazyHandler{build: withApp(func(a *app.App) http.Handler {
		return &expiry.Handler{Timers: a.Conversation, Secret: a.Timers.Secret, Log: a.Log}
	})}
	voiceHandler = lazyHandler{build: withApp(func(a *app.App) http.Handler {
		return &voicefn.Handler{Calls: a.Voice, Validator: a.Validator, Account: a.Env.TwilioAccountSID,
			PublicURL: a.Env.FunctionURL("voice"), Log: a.Log}
	})}
	sweeperHandler = lazyHandler{build: withApp(func(a *app.App) http.Handler {
		parked := a.Webhooks().Fallback()
		return &sweeper.Handler{Relay: a.Relay, Sweeper: sweeps{a.Conversation, parked}, CRM: a.CRMResend, Statuses: a.Reconciler, Grace: a.Env.SweepGrace, Log: a.Log}
	})}
)

// mediaOrigins is where the media links agents get point: the origin of a link signed for a
// probe object (signing needs no request to Cloud Storage), else Cloud Storage's.
func mediaOrigins(sign func(string) (string, error)) []string {
	if sign == nil {
		return nil
	}
	if u, err := sign("probe"); err == nil {
		if p, err := url.Parse(u); err == nil && p.Host != "" {
			return []string{p.Scheme + "://" + p.Host}
		}
	}
	return []string{"https://storage.googleapis.com"}
}

// sweeps fires overdue deadlines, then publishes the texts the fallback webhook parked.
type sweeps struct {
	deadlines sweeper.Sweeper
	parked    *ingest.Acceptor
}

// Sweep reports the deadlines it fired; a failure of either part does not stop the other.
func (s sweeps) Sweep(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	n, err := s.deadlines.Sweep(ctx, now, grace)
	_, perr := s.parked.Replay(ctx, 100)
	return n, errors.Join(err, perr)
}

// Use makes the functions of this process use a (the local runner's app, built with options
// such as metering). It must be called before the first invocation.
func Use(a *app.App) {
	services.mu.Lock()
	defer services.mu.Unlock()
	services.app = a
}

// Observe has fn told of every invocation of a function in this process from now on: the
// function's name and how long its handler ran. The bench meters invocations with it; nil
// stops it.
func Observe(fn func(function string, took time.Duration)) {
	services.mu.Lock()
	defer services.mu.Unlock()
	services.observe = fn
}

// observed tells the observer, if any, that function ran from start until now.
func observed(function string, start time.Time) {
	services.mu.Lock()
	fn := services.observe
	services.mu.Unlock()
	if fn != nil {
		fn(function, time.Since(start))
	}
}

// lazyApp connects the clients on first use and reuses them for every later invocation; a
// failed connection is tried again on the next invocation rather than cached.
type lazyApp struct {
	mu      sync.Mutex
	app     *app.App
	observe func(function string, took time.Duration) // Observe's
}

func (l *lazyApp) get() (*app.App, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.app != nil {
		return l.app, nil
	}
	a, err := app.New(context.Background(), config.FromEnv())
	if err != nil {
		slog.Error("smsdesk cannot start", "err", err)
		return nil, err
	}
	l.app = a
	return a, nil
}

// lazyWebhooks connects the webhooks' clients on first use: the local runner's app's, when it
// gave one (Use), else only what the webhooks use.
type lazyWebhooks struct {
	mu sync.Mutex
	w  *app.Webhooks
}

func (l *lazyWebhooks) get() (*app.Webhooks, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w != nil {
		return l.w, nil
	}
	services.mu.Lock()
	a := services.app
	services.mu.Unlock()
	if a != nil {
		l.w = a.Webhooks()
		return l.w, nil
	}
	w, err := app.NewWebhooks(context.Background(), config.FromEnv())
	if err != nil {
		slog.Error("smsdesk webhooks cannot start", "err", err)
		return nil, err
	}
	l.w = w
	return w, nil
}

// withApp builds a handler from the whole app.
func withApp(build func(*app.App) http.Handler) func() (http.Handler, error) {
	return func() (http.Handler, error) {
		a, err := services.get()
		if err != nil {
			return nil, err
		}
		return build(a), nil
	}
}

// lazyHandler builds its handler on first use and reuses it; a failed build is tried again on
// the next invocation rather than cached.
type lazyHandler struct {
	build func() (http.Handler, error)
	// maxBody bounds the request body; 0 is maxRequestBody.
	maxBody int64
	mu      sync.Mutex
	h       http.Handler
}

func (l *lazyHandler) handler() (http.Handler, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.h == nil {
		h, err := l.build()
		if err != nil {
			return nil, err
		}
		l.h = h
	}
	return l.h, nil
}

func (l *lazyHandler) serve(w http.ResponseWriter, r *http.Request) {
	if !bounded(w, r, l.maxBody) {
		return
	}
	h, err := l.handler()
	if err != nil {
		http.Error(w, "service not configured", http.StatusInternalServerError)
		return
	}
	h.ServeHTTP(w, r)
}
