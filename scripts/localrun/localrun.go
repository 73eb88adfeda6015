// Package localrun runs every smsdesk function in one process on one port, the way the cloud
// runs them: the Functions Framework serves each registered function at /<name>, and the
// topics are delivered to the event functions with the cloud's concurrency by streaming pull
// from the Pub/Sub emulator (internal/localpubsub).
package localrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/smsdesk/smsdesk"
	"github.com/smsdesk/smsdesk/internal/localpubsub"
	"github.com/smsdesk/smsdesk/scripts/localstorage"
	"github.com/smsdesk/smsdesk/shared/app"
	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// OrderingKeys is how many Pub/Sub ordering keys the local functions' publishers fold chats'
// keys into (bus.Publisher.FoldKeys): the emulator keeps a busy thread per key it has seen, so
// a thousand chats with their own keys leave the machine doing nothing else.
const OrderingKeys = 64

// Options configure a local run.
type Options struct {
	ProjectID string
	Host      string // default 127.0.0.1
	Port      int    // 0 picks a free port
	// ConfigFile, when set, is loaded into Firestore before serving.
	ConfigFile string
	// Catalog, when set, is loaded into Firestore before serving (tests).
	Catalog          *config.Catalog
	TwilioAccountSID string
	TwilioAuthToken  string
	TwilioAPIURL     string
	// AppOptions, when set, build the functions' shared app with these options.
	AppOptions []app.Option
	// DropTimers, when set, loses the timers it matches, as a lost Cloud Task would be.
	DropTimers func(session.Timer) bool
	// DropChatEvents, when set, loses the chat events it matches, as a failed publish would.
	DropChatEvents func(chatevents.Event) bool
	// InterruptFollowups, when set, leaves undone right after their commit the follow-ups it
	// matches (texts to send, events, timers, assignments), as a crash between a commit and
	// its publish would; the sweeper's relay carries them out.
	InterruptFollowups func(followup.Record) bool
	// FailSends, when set, fails the publish of each outbound message it returns an error
	// for, as a stalled or unreachable Pub/Sub would.
	FailSends func(ctx context.Context, path string) error
	// SweepGrace is how overdue a deadline must be for the sweeper (default 1m).
	SweepGrace time.Duration
	// StatusRecheck is how long after the carrier took a message the sweeper asks it for a
	// status that did not arrive (default SMSDESK_STATUS_RECHECK, else config's default).
	StatusRecheck time.Duration
	// CRMWebhookSecret signs the webhook CRM's requests; HubSpotToken and HubSpotAPIURL point
	// the HubSpot CRM at a local server. They matter only when the settings choose them.
	CRMWebhookSecret, HubSpotToken, HubSpotAPIURL string
}

// Runner is a started local system.
type Runner struct {
	BaseURL string
	// Media is the local Cloud Storage server holding consumers' media.
	Media *localstorage.Server
	Store *store.Store
	// App is the functions' app, for tests that build a handler over it.
	App *app.App
	fs  *firestore.Client
	// pipeline follows the functions' work for WaitIdle (idle.go).
	pipeline *pipeline
}

// Start checks the emulators, provisions topics and subscriptions, loads configuration,
// sets the environment the functions read and serves them. The server lives as long as the
// process.
func Start(ctx context.Context, o Options) (*Runner, error) {
	if os.Getenv("FIRESTORE_EMULATOR_HOST") == "" || os.Getenv("PUBSUB_EMULATOR_HOST") == "" {
		return nil, errors.New("FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST must point at the emulators (scripts/dev.sh and scripts/test.sh start them)")
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Port == 0 {
		p, err := FreePort(o.Host)
		if err != nil {
			return nil, err
		}
		o.Port = p
	}
	base := fmt.Sprintf("http://%s:%d", o.Host, o.Port)
	if o.SweepGrace == 0 {
		o.SweepGrace = time.Minute
	}
	for k, v := range map[string]string{
		"SMSDESK_SWEEP_GRACE":        o.SweepGrace.String(),
		"SMSDESK_STATUS_RECHECK":     first(durationOrEmpty(o.StatusRecheck), os.Getenv("SMSDESK_STATUS_RECHECK")),
		"SMSDESK_CRM_WEBHOOK_SECRET": first(o.CRMWebhookSecret, os.Getenv("SMSDESK_CRM_WEBHOOK_SECRET")),
		"SMSDESK_HUBSPOT_TOKEN":      first(o.HubSpotToken, os.Getenv("SMSDESK_HUBSPOT_TOKEN")),
		"SMSDESK_HUBSPOT_API_URL":    first(o.HubSpotAPIURL, os.Getenv("SMSDESK_HUBSPOT_API_URL")),
		"SMSDESK_MEDIA_BUCKET":       localMediaBucket,
		// Kept media are deleted at the carrier, as a deployment does by default.
		"SMSDESK_DELETE_CARRIER_MEDIA": "1",
		"GOOGLE_CLOUD_PROJECT":         o.ProjectID, "SMSDESK_PUBLIC_URL": base,
		"TWILIO_ACCOUNT_SID": o.TwilioAccountSID, "TWILIO_AUTH_TOKEN": o.TwilioAuthToken, "TWILIO_API_URL": o.TwilioAPIURL,
		// Timers are delivered in-process to /expiry, signed like Cloud Tasks deliveries.
		"SMSDESK_LOCAL_TIMERS": "1", "SMSDESK_TIMER_SECRET": first(os.Getenv("SMSDESK_TIMER_SECRET"), "local-timer-secret"),
		"SMSDESK_LOCAL_ORDERING_KEYS": first(os.Getenv("SMSDESK_LOCAL_ORDERING_KEYS"), strconv.Itoa(OrderingKeys)),
	} {
		os.Setenv(k, v)
	}
	env := config.FromEnv()
	ps, err := localpubsub.NewClient(ctx, o.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("pubsub emulator: %w", err)
	}
	// Endpoints name their topic in the path, as the Functions Framework expects of a Pub/Sub
	// push delivery; the event functions are served below their names for that.
	topicPath := func(t string) string { return "/projects/" + o.ProjectID + "/topics/" + t }
	var routes []localpubsub.Route
	for _, r := range []struct{ topic, function string }{
		{env.InboundTopic, "conversation"}, {env.OutboundTopic, "sender"}, {env.BulkTopic, "bulk"}, {env.ChatEventsTopic, "crmsync"},
	} {
		routes = append(routes, localpubsub.Route{Topic: r.topic, Function: r.function,
			Endpoint: base + "/" + r.function + topicPath(r.topic), Concurrency: localpubsub.CloudConcurrency(r.function)})
	}
	if err := localpubsub.Provision(ctx, ps, o.ProjectID, routes); err != nil {
		ps.Close()
		return nil, err
	}
	fs, err := firestore.NewClient(ctx, o.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("firestore emulator: %w", err)
	}
	r := &Runner{BaseURL: base, Store: store.New(fs), fs: fs,
		pipeline: newPipeline(o.ProjectID, []string{env.InboundTopic, env.OutboundTopic, env.BulkTopic, env.ChatEventsTopic})}
	if o.ConfigFile != "" {
		c, err := config.LoadFile(o.ConfigFile)
		if err != nil {
			return nil, err
		}
		o.Catalog = &c
	}
	if o.Catalog != nil {
		if err := r.Store.LoadCatalog(ctx, *o.Catalog); err != nil {
			return nil, fmt.Errorf("load config: %w", err)
		}
	}
	// Media go to an in-process Cloud Storage server, with URLs signed by a throwaway key
	// for this server's address, where the runner serves them.
	mediaOpts, gcs, err := localMedia(ctx, base)
	if err != nil {
		return nil, err
	}
	r.Media = gcs
	// The runner builds the functions' app itself, so that options and test hooks apply.
	a, err := app.New(ctx, config.FromEnv(), slices.Concat(mediaOpts, o.AppOptions, r.pipeline.options())...)
	if err != nil {
		return nil, err
	}
	a.Timers.Drop = o.DropTimers
	a.Events.Drop = o.DropChatEvents
	r.pipeline.timers = a.Timers.Due
	a.Followups.Interrupt = o.InterruptFollowups
	a.Outbox.Fail = o.FailSends
	smsdesk.Use(a)
	r.App = a
	// The agent API has routes below its name; in the cloud its function gets every path.
	for path, fn := range map[string]func(http.ResponseWriter, *http.Request){
		"/agent/": smsdesk.AgentAPI, "/console/": smsdesk.Console, "/admin/": smsdesk.AdminAPI, "/outbound/": smsdesk.OutboundAPI,
	} {
		if err := funcframework.RegisterHTTPFunctionContext(ctx, path, fn); err != nil {
			return nil, err
		}
	}
	for path, fn := range map[string]func(context.Context, event.Event) error{
		"/conversation/": smsdesk.Conversation, "/sender/": smsdesk.Sender, "/bulk/": smsdesk.Bulk, "/crmsync/": smsdesk.CRMSync,
	} {
		if err := funcframework.RegisterCloudEventFunctionContext(ctx, path, r.pipeline.track(strings.Trim(path, "/"), fn)); err != nil {
			return nil, err
		}
	}
	errc := make(chan error, 1)
	if err := serve(o.Host, o.Port, errc); err != nil {
		return nil, err
	}
	if err := waitListening(ctx, o.Host, o.Port, errc); err != nil {
		return nil, err
	}
	// Like the server, delivery lives as long as the process.
	go deliver(&localpubsub.Deliverer{Client: ps, Project: o.ProjectID, Log: slog.Default()}, routes)
	return r, nil
}

// deliver pulls the topics for the event functions, starting again should the pull fail (the
// client itself rides out an emulator that stalls or restarts).
func deliver(d *localpubsub.Deliverer, routes []localpubsub.Route) {
	for {
		err := d.Run(context.Background(), routes)
		d.Log.Error("local Pub/Sub delivery stopped; starting again", "err", err)
		time.Sleep(time.Second)
	}
}

// Sweep runs the sweeper as Cloud Scheduler would.
func (r *Runner) Sweep(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.BaseURL+"/sweeper", nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-CloudScheduler-JobName", "local-sweeper")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sweep: %s", resp.Status)
	}
	return nil
}

func durationOrEmpty(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// FreePort is a TCP port free on host now, for a server started next.
func FreePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitListening(ctx context.Context, host string, port int, errc <-chan error) error {
	url := fmt.Sprintf("http://%s:%d/agent/me", host, port)
	for i := 0; i < 200; i++ {
		select {
		case err := <-errc:
			return fmt.Errorf("serve functions: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		// 502 is the proxy in front answering before the functions behind it listen.
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway {
				return nil
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	return fmt.Errorf("functions did not start listening on %s", url)
}
