package app

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/delivery"
	"github.com/smsdesk/smsdesk/shared/ingest"
	"github.com/smsdesk/smsdesk/shared/outbound"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Webhooks is what the carrier's webhooks (inbound, its fallback, status) use: Firestore,
// Pub/Sub and the signature check. Building it needs neither the timer secret nor Cloud
// Tasks nor the carrier's REST client, so a webhook's cold start makes two clients.
type Webhooks struct {
	Env       config.Env
	Log       *slog.Logger
	Store     *store.Store
	Publisher *bus.Publisher
	Validator carrier.Validator
	close     []func()
}

// NewWebhooks connects what the webhooks use, as env says.
func NewWebhooks(ctx context.Context, env config.Env, opts ...Option) (*Webhooks, error) {
	var set settings
	for _, o := range opts {
		o(&set)
	}
	switch {
	case env.ProjectID == "":
		return nil, errors.New("GOOGLE_CLOUD_PROJECT is not set")
	case env.PublicURL == "":
		return nil, errors.New("SMSDESK_PUBLIC_URL is not set: the carrier's webhook signatures are checked against it")
	case env.TwilioAccountSID == "" || env.TwilioAuthToken == "":
		return nil, errors.New("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set: the webhooks check the carrier's signatures with them")
	}
	fs, ps, err := set.clients(ctx, env.ProjectID)
	if err != nil {
		return nil, err
	}
	w := &Webhooks{
		Env: env, Log: slog.New(slog.NewJSONHandler(os.Stderr, nil)), Store: store.New(fs),
		Publisher: bus.NewPublisher(ps).FoldKeys(env.LocalOrderingKeys), Validator: carrier.NewValidator(env.TwilioAuthToken),
	}
	w.close = []func(){w.Publisher.Stop, func() { ps.Close() }, func() { fs.Close() }}
	return w, nil
}

// Webhooks is the webhooks' part of a, sharing its clients (the local runner serves every
// function from one app).
func (a *App) Webhooks() *Webhooks {
	return &Webhooks{Env: a.Env, Log: a.Log, Store: a.Store, Publisher: a.Publisher, Validator: a.Validator}
}

// Inbound accepts texts at the primary webhook: it publishes them.
func (w *Webhooks) Inbound() *ingest.Acceptor {
	return &ingest.Acceptor{Numbers: w.Store, Publisher: w.Publisher, Topic: w.Env.InboundTopic, Log: w.Log}
}

// Fallback accepts texts at the carrier's fallback URL: it parks and publishes them.
func (w *Webhooks) Fallback() *ingest.Acceptor {
	a := w.Inbound()
	a.Parking = w.Store
	return a
}

// Statuses applies delivery statuses (and passes them on to bulk results); it sends nothing.
func (w *Webhooks) Statuses() *delivery.Sender {
	return &delivery.Sender{Outbox: w.Store, Lines: w.Store, Log: w.Log, Results: &outbound.Bulk{Store: w.Store}, RecheckAfter: w.Env.StatusRecheck}
}

// Outbox is the outbound topic, onto which the status webhook hands statuses it could not
// record at once.
func (w *Webhooks) Outbox() bus.Outbox {
	return bus.Outbox{Publisher: w.Publisher, Topic: w.Env.OutboundTopic}
}

// Close flushes the publisher and closes the clients it connected.
func (w *Webhooks) Close() {
	for _, c := range w.close {
		c()
	}
}
