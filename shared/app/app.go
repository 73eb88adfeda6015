// Package app wires smsdesk's parts together from the environment: the clients are made once
// per process and shared by every function the process serves.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/storage"
	"google.golang.org/api/option"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/conversation"
	"github.com/smsdesk/smsdesk/shared/crm/firestorecrm"
	"github.com/smsdesk/smsdesk/shared/crmsync"
	"github.com/smsdesk/smsdesk/shared/delivery"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/ewt"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/live"
	"github.com/smsdesk/smsdesk/shared/media"
	"github.com/smsdesk/smsdesk/shared/monitor"
	"github.com/smsdesk/smsdesk/shared/outbound"
	"github.com/smsdesk/smsdesk/shared/reporting"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
	"github.com/smsdesk/smsdesk/shared/timers"
	"github.com/smsdesk/smsdesk/shared/voice"
)

// App holds every service of smsdesk.
type App struct {
	Env       config.Env
	Log       *slog.Logger
	Store     *store.Store
	Publisher *bus.Publisher
	Outbox    bus.Outbox
	Validator carrier.Validator
	Sender    *delivery.Sender
	// Followups carries out what each committed chat change left to do; Relay carries out
	// what a crash or a stall left in the outbox (the sweeper runs it).
	Followups    *followup.Executor
	Relay        *followup.Relay
	Router       *routing.Router
	Conversation *conversation.Service
	Desk         *desk.Desk
	// Monitor builds supervisors' and admins' live monitoring.
	Monitor *monitor.Monitor
	// Reports builds reports from the rollups, and agents' own statistics.
	Reports  *reporting.Service
	Outbound *outbound.Service
	// MediaURL gives an agent a short-lived URL of a media copy; nil without a media bucket.
	MediaURL func(object string) (string, error)
	// Attachments keeps the files agents send; nil without a media bucket.
	Attachments *media.Keeper
	Bulk        *outbound.Bulk
	Timers      TimerScheduler
	// Events announces chat changes on the chat-events topic; CRMSync consumes them.
	Events  *chatevents.Publisher
	CRMSync *crmsync.Syncer
	// Contacts is the built-in CRM, for its contacts API.
	Contacts *firestorecrm.CRM
	// CRMResend announces again ended chats whose sync did not finish (the sweeper runs it).
	CRMResend *crmsync.Resender
	// Reconciler asks the carrier for the statuses whose callbacks never came (the sweeper
	// runs it).
	Reconciler *delivery.Reconciler
	// Live pushes chat and agent changes to connected agents: one set of Firestore
	// listeners per process.
	Live *live.Hub
	// Voice answers the carrier's voice webhooks; Estimates are the queues' wait estimates.
	Voice     *voice.Service
	Estimates ewt.Estimator
	// InCall lets the agent on a live call text the caller.
	InCall *voice.InCall
	close  []func()
}

// TimerScheduler schedules chat timers through Cloud Tasks, or in-process locally.
type TimerScheduler struct {
	s      timers.Scheduler
	Secret []byte
	// Drop, when set, loses the timers it matches (tests of the sweeper).
	Drop func(session.Timer) bool
}

// Schedule schedules each timer; it stops at the first failure.
func (t TimerScheduler) Schedule(ctx context.Context, ts ...session.Timer) error {
	for _, x := range ts {
		if t.Drop != nil && t.Drop(x) {
			continue
		}
		if err := t.s.Schedule(ctx, x); err != nil {
			return err
		}
	}
	return nil
}

// Due counts the timers due by now and not yet delivered, where the scheduler can tell (the
// local one, for tests waiting on a quiet system); Cloud Tasks' count is not known here: 0.
func (t TimerScheduler) Due(now time.Time) int {
	if d, ok := t.s.(interface{ Due(time.Time) int }); ok {
		return d.Due(now)
	}
	return 0
}

// Option adjusts how New connects.
type Option func(*settings)

type settings struct {
	firestore, pubsub []option.ClientOption
	storage           *storage.Client
	sign              []media.SignOption
}

// WithStorage uses this Cloud Storage client for the media bucket (a local server's).
func WithStorage(c *storage.Client) Option { return func(s *settings) { s.storage = c } }

// WithMediaSigning signs agents' media URLs this way instead of with the function's identity.
func WithMediaSigning(o ...media.SignOption) Option {
	return func(s *settings) { s.sign = append(s.sign, o...) }
}

// WithFirestoreOptions passes client options to the Firestore client (e.g. a metering interceptor).
func WithFirestoreOptions(o ...option.ClientOption) Option {
	return func(s *settings) { s.firestore = append(s.firestore, o...) }
}

// WithPubSubOptions passes client options to the Pub/Sub client.
func WithPubSubOptions(o ...option.ClientOption) Option {
	return func(s *settings) { s.pubsub = append(s.pubsub, o...) }
}

// clients connects to the project's Firestore and Pub/Sub, which every function uses.
func (set settings) clients(ctx context.Context, project string) (*firestore.Client, *pubsub.Client, error) {
	fs, err := firestore.NewClient(ctx, project, set.firestore...)
	if err != nil {
		return nil, nil, fmt.Errorf("firestore: %w", err)
	}
	ps, err := pubsub.NewClient(ctx, project, set.pubsub...)
	if err != nil {
		fs.Close()
		return nil, nil, fmt.Errorf("pubsub: %w", err)
	}
	return fs, ps, nil
}

// New connects to Firestore, Pub/Sub and the carrier as env says.
func New(ctx context.Context, env config.Env, opts ...Option) (*App, error) {
	var set settings
	for _, o := range opts {
		o(&set)
	}
	if env.ProjectID == "" {
		return nil, errors.New("GOOGLE_CLOUD_PROJECT is not set")
	}
	if env.PublicURL == "" {
		return nil, errors.New("SMSDESK_PUBLIC_URL is not set: the carrier's webhook signatures are checked against it")
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	fs, ps, err := set.clients(ctx, env.ProjectID)
	if err != nil {
		return nil, err
	}
	// Only the functions that send or check webhooks get the carrier's credentials.
	var cc delivery.Carrier = carrier.Unconfigured{}
	if env.TwilioAccountSID != "" || env.TwilioAuthToken != "" {
		c, err := carrier.New(carrier.Config{AccountSID: env.TwilioAccountSID, AuthToken: env.TwilioAuthToken, APIURL: env.TwilioAPIURL})
		if err != nil {
			fs.Close()
			ps.Close()
			return nil, err
		}
		cc = c
	}
	a := &App{Env: env, Log: log, Store: store.New(fs), Publisher: bus.NewPublisher(ps).FoldKeys(env.LocalOrderingKeys), Validator: carrier.NewValidator(env.TwilioAuthToken)}
	a.close = []func(){a.Publisher.Stop, func() { ps.Close() }, func() { fs.Close() }}
	a.Outbox = bus.Outbox{Publisher: a.Publisher, Topic: env.OutboundTopic}
	a.Events = &chatevents.Publisher{Publisher: a.Publisher, Topic: env.ChatEventsTopic, Log: log}
	a.Contacts = firestorecrm.New(fs, firestorecrm.Options{})
	a.CRMResend = &crmsync.Resender{Store: a.Store, Events: a.Events}
	a.CRMSync = &crmsync.Syncer{Store: a.Store, Adapters: crmAdapters{store: a.Store, fs: fs, env: env}, Log: log}
	statusURL := env.FunctionURL("status")
	a.Sender = &delivery.Sender{
		Outbox: a.Store, Carrier: cc, Lines: a.Store, Log: log, RecheckAfter: env.StatusRecheck,
		CallbackURL: func(path string) string { return statusURL + "?m=" + url.QueryEscape(path) },
	}
	a.Reconciler = &delivery.Reconciler{Sender: a.Sender, Messages: a.Store}
	sched, err := newScheduler(ctx, env, log)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.close = append(a.close, func() { sched.Close() })
	a.Timers = TimerScheduler{s: sched, Secret: []byte(env.TimerSecret)}
	a.Followups = &followup.Executor{Sender: &a.Outbox, Events: a.Events, Timers: &a.Timers, Notices: a.Store, Tallies: &reports.Tallier{Store: a.Store, Log: log}, Outbox: a.Store, Log: log}
	a.Sender.Followups = a.Followups
	a.Relay = &followup.Relay{Outbox: a.Store, Executor: a.Followups, Agents: a.Store}
	a.Router = &routing.Router{Store: a.Store, Followups: a.Followups, Log: log}
	a.Followups.Router = a.Router
	a.Relay.Filler = a.Router
	a.Conversation = &conversation.Service{Store: a.Store, TimerStore: a.Store, Followups: a.Followups, Blocked: a.Store, Log: log}
	// The hour's handle times are kept as long as configuration is.
	a.Estimates = ewt.NewEstimator(a.Store, 10*time.Second)
	a.Conversation.Estimates = a.Estimates
	if env.MediaBucket != "" {
		sc := set.storage
		if sc == nil {
			if sc, err = storage.NewClient(ctx); err != nil {
				a.Close()
				return nil, fmt.Errorf("cloud storage: %w", err)
			}
			a.close = append(a.close, func() { sc.Close() })
		}
		bucket := sc.Bucket(env.MediaBucket)
		// Media are fetched only from the carrier's API host, the one the sender talks to.
		a.Conversation.Media = &media.Copier{
			APIURL: env.TwilioAPIURL, AccountSID: env.TwilioAccountSID, AuthToken: env.TwilioAuthToken,
			Bucket: bucket, Policy: media.DefaultPolicy(), DeleteAtCarrier: env.DeleteCarrierMedia,
		}
		a.CRMSync.Link = consoleLink(env.MediaBucket)
		a.MediaURL = func(object string) (string, error) {
			return media.SignedURL(bucket, object, media.DefaultURLTTL, set.sign...)
		}
		a.Attachments = &media.Keeper{Bucket: bucket, Policy: media.DefaultPolicy(), Sign: func(object string, ttl time.Duration) (string, error) {
			return media.SignedURL(bucket, object, ttl, set.sign...)
		}}
	}
	a.Outbound = &outbound.Service{Store: a.Store, Followups: a.Followups, Log: log, Now: time.Now}
	a.Bulk = &outbound.Bulk{Texts: a.Outbound, Store: a.Store, Publisher: a.Publisher, Topic: env.BulkTopic}
	a.Sender.Results = a.Bulk // bulk results follow their messages' statuses
	a.Live = live.NewHub(a.Store, log)
	a.Live.MaxStream = env.StreamMax
	a.close = append([]func(){a.Live.Close}, a.close...)
	a.Desk = &desk.Desk{Store: a.Store, Transfers: a.Store, Contacts: a.Store, Followups: a.Followups,
		Notebook: a.Store, Seen: a.Store, Log: log}
	if a.Attachments != nil { // a nil *media.Keeper in the interface would not read as none
		a.Desk.Attachments = a.Attachments
	}
	a.Monitor = &monitor.Monitor{Store: a.Store}
	a.Reports = &reporting.Service{Store: a.Store}
	a.Voice = &voice.Service{Store: a.Store, Estimator: a.Estimates, Chats: a.Outbound, CallChats: a.Desk, Answerers: a.Router, URL: env.FunctionURL("voice"), Log: log, Now: time.Now}
	a.InCall = &voice.InCall{Calls: a.Store, Chats: a.Outbound, Desk: a.Desk, Attachments: a.Desk.Attachments, Log: log}
	return a, nil
}

type closingScheduler interface {
	timers.Scheduler
	Close() error
}

type localScheduler struct{ *timers.Local }

func (l localScheduler) Close() error { l.Local.Close(); return nil }

func newScheduler(ctx context.Context, env config.Env, log *slog.Logger) (closingScheduler, error) {
	if env.TimerSecret == "" {
		return nil, errors.New("SMSDESK_TIMER_SECRET is not set: timer deliveries are signed with it")
	}
	url := env.FunctionURL("expiry")
	switch {
	case env.LocalTimers:
		return localScheduler{timers.NewLocal(url, []byte(env.TimerSecret), nil, log)}, nil
	case env.TasksQueue != "":
		return timers.NewCloudTasks(ctx, timers.CloudTasksConfig{
			Queue: env.TasksQueue, URL: url, ServiceAccount: env.TasksServiceAccount, Secret: []byte(env.TimerSecret),
		})
	}
	return nil, errors.New("set SMSDESK_TASKS_QUEUE (Cloud Tasks) or SMSDESK_LOCAL_TIMERS=1 (local runs) for chat timers")
}

// Close flushes publishers and closes the clients.
func (a *App) Close() {
	for _, c := range a.close {
		c()
	}
}
