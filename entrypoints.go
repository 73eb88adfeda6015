// Package smsdesk registers every Cloud Function of smsdesk with the Functions Framework. This
// is the one list of entry points: each deploys from this module with its name as entry point,
// and the local runner serves them all on one port.
package smsdesk

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/smsdesk/smsdesk/functions/admin"
	"github.com/smsdesk/smsdesk/functions/agent"
	"github.com/smsdesk/smsdesk/functions/bulk"
	"github.com/smsdesk/smsdesk/functions/conversation"
	"github.com/smsdesk/smsdesk/functions/crmsync"
	"github.com/smsdesk/smsdesk/functions/expiry"
	"github.com/smsdesk/smsdesk/functions/inbound"
	"github.com/smsdesk/smsdesk/functions/outbound"
	"github.com/smsdesk/smsdesk/functions/sender"
	"github.com/smsdesk/smsdesk/functions/status"
	"github.com/smsdesk/smsdesk/functions/sweeper"
	"github.com/smsdesk/smsdesk/shared/app"
	"github.com/smsdesk/smsdesk/shared/config"
)

func init() {
	functions.HTTP("inbound", Inbound)
	functions.HTTP("status", Status)
	functions.HTTP("agent", AgentAPI)
	functions.HTTP("admin", AdminAPI)
	functions.HTTP("outbound", OutboundAPI)
	functions.HTTP("expiry", Expiry)
	functions.HTTP("sweeper", Sweeper)
	functions.CloudEvent("conversation", Conversation)
	functions.CloudEvent("sender", Sender)
	functions.CloudEvent("bulk", Bulk)
	functions.CloudEvent("crmsync", CRMSync)
}

// Inbound is the carrier's webhook for consumer texts.
func Inbound(w http.ResponseWriter, r *http.Request) { inboundHandler.serve(w, r) }

// Status is the carrier's delivery status webhook.
func Status(w http.ResponseWriter, r *http.Request) { statusHandler.serve(w, r) }

// AgentAPI is the agent API.
func AgentAPI(w http.ResponseWriter, r *http.Request) { agentHandler.serve(w, r) }

// AdminAPI is the admin API.
func AdminAPI(w http.ResponseWriter, r *http.Request) { adminHandler.serve(w, r) }

// OutboundAPI lets the business text consumers first.
func OutboundAPI(w http.ResponseWriter, r *http.Request) { outboundHandler.serve(w, r) }

// Expiry receives chat timers from Cloud Tasks.
func Expiry(w http.ResponseWriter, r *http.Request) { expiryHandler.serve(w, r) }

// Sweeper fires overdue chat deadlines; Cloud Scheduler runs it.
func Sweeper(w http.ResponseWriter, r *http.Request) { sweeperHandler.serve(w, r) }

// Conversation consumes the inbound topic.
func Conversation(ctx context.Context, e event.Event) error {
	a, err := services.get()
	if err != nil {
		return err
	}
	return (&conversation.Handler{Texts: a.Conversation, Log: a.Log}).Handle(ctx, e)
}

// Sender consumes the outbound topic.
func Sender(ctx context.Context, e event.Event) error {
	a, err := services.get()
	if err != nil {
		return err
	}
	return (&sender.Handler{Deliverer: a.Sender, Log: a.Log}).Handle(ctx, e)
}

// Bulk consumes the bulk topic.
func Bulk(ctx context.Context, e event.Event) error {
	a, err := services.get()
	if err != nil {
		return err
	}
	return (&bulk.Handler{Batches: a.Bulk, Log: a.Log}).Handle(ctx, e)
}

// CRMSync consumes the chat-events topic and records chats in the CRM.
func CRMSync(ctx context.Context, e event.Event) error {
	a, err := services.get()
	if err != nil {
		return err
	}
	return (&crmsync.Handler{Syncer: a.CRMSync, Log: a.Log}).Handle(ctx, e)
}

var (
	services = &lazyApp{}

	inboundHandler = lazyHandler{build: func(a *app.App) http.Handler {
		return &inbound.Handler{Receipts: a.Store, Numbers: a.Store, Publisher: a.Publisher, Validator: a.Validator,
			Account: a.Env.TwilioAccountSID, PublicURL: a.Env.FunctionURL("inbound"), Topic: a.Env.InboundTopic, Log: a.Log}
	}}
	statusHandler = lazyHandler{build: func(a *app.App) http.Handler {
		return &status.Handler{Statuses: a.Sender, Validator: a.Validator, Account: a.Env.TwilioAccountSID,
			PublicURL: a.Env.FunctionURL("status"), Log: a.Log}
	}}
	agentHandler = lazyHandler{build: func(a *app.App) http.Handler {
		return agent.New(a.Store, a.Desk, a.MediaURL, a.Log).WithContacts(a.Contacts)
	}}
	adminHandler = lazyHandler{build: func(a *app.App) http.Handler {
		return admin.New(a.Store, a.Log)
	}}
	outboundHandler = lazyHandler{build: func(a *app.App) http.Handler {
		return outbound.New(a.Store, a.Outbound, a.Bulk, a.Log)
	}}
	expiryHandler = lazyHandler{build: func(a *app.App) http.Handler {
		return &expiry.Handler{Timers: a.Conversation, Secret: a.Timers.Secret, Log: a.Log}
	}}
	sweeperHandler = lazyHandler{build: func(a *app.App) http.Handler {
		return &sweeper.Handler{Relay: a.Relay, Sweeper: a.Conversation, CRM: a.CRMResend, Grace: a.Env.SweepGrace, Log: a.Log}
	}}
)

// Use makes the functions of this process use a (the local runner's app, built with options
// such as metering). It must be called before the first invocation.
func Use(a *app.App) {
	services.mu.Lock()
	defer services.mu.Unlock()
	services.app = a
}

// lazyApp connects the clients on first use and reuses them for every later invocation; a
// failed connection is tried again on the next invocation rather than cached.
type lazyApp struct {
	mu  sync.Mutex
	app *app.App
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

type lazyHandler struct {
	build func(*app.App) http.Handler
	once  sync.Once
	h     http.Handler
}

func (l *lazyHandler) serve(w http.ResponseWriter, r *http.Request) {
	a, err := services.get()
	if err != nil {
		http.Error(w, "service not configured", http.StatusInternalServerError)
		return
	}
	l.once.Do(func() { l.h = l.build(a) })
	l.h.ServeHTTP(w, r)
}
