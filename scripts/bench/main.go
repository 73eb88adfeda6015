// Command bench measures smsdesk end to end against the Firestore and Pub/Sub emulators: how
// fast the inbound webhook acknowledges consumer texts, how soon a text reaches the agent, and
// how many Firestore reads and writes and Pub/Sub publishes each text costs.
//
//	scripts/bench.sh -conversations 200   (starts the emulators, then runs this)
//	go run ./scripts/bench -conversations 200 -json
//
// It runs every function in this process (scripts/localrun) with a metered app, a carrier
// simulator, and a catalog of one business number whose entry queue is a leaf queue served by
// enough agents for every conversation. A warm-up first sends texts to a menu-only number so
// the emulators' JIT has run. Then it measures its floors at the same concurrency
// (floors.go). Phase 1 opens N chats at once; phase 2 sends one more text into each chat
// twice: once waiting on Firestore directly (for the per-text counts) and once with each
// consumer polling the agent API (for the webhook → agent-visible latency). Every latency is
// printed over its floor with issue 17's targets (targets.go).
//
// Other modes: assign and assign-arrivals (assign.go), bulk (bulk.go), crm (crm.go), live
// (live.go), console (console.go), price (price.go), reports (reports.go) and listeners
// (listeners.go).
//
// Latencies reflect the emulators: the Pub/Sub emulator pushes each subscription with two
// concurrent deliveries only, so deliveries queue far longer than behind Cloud Functions.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/scripts/localrun"
	"github.com/smsdesk/smsdesk/shared/app"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/metering"
)

const (
	accountSID = "ACbe0c0000000000000000000000000000"
	authToken  = "benchtoken0123456789"
)

type flags struct {
	conversations, agents, capacity int
	recipients                      int
	warmup                          int
	mps                             float64
	poll                            time.Duration
	timeout                         time.Duration
	json                            bool
	appLog                          string
	mode                            string
	crm                             string
	rounds                          int
	idle                            time.Duration
	chats, days, reportQueues       int
	changes                         int
	texts, replies                  int
}

func parseFlags() flags {
	var f flags
	flag.IntVar(&f.conversations, "conversations", 200, "number of consumers, each opening one chat")
	flag.IntVar(&f.agents, "agents", 0, "number of agents (0: enough for every conversation at -capacity)")
	flag.IntVar(&f.capacity, "capacity", 10, "concurrent chats per agent")
	flag.Float64Var(&f.mps, "mps", 100, "messages per second the business number may send (the carrier's rate)")
	flag.IntVar(&f.recipients, "recipients", bulkDefaultRecipients, "recipients of the bulk send in mode bulk")
	flag.IntVar(&f.warmup, "warmup", 50, "first texts sent to a menu-only number before measuring, to warm the emulators up")
	flag.DurationVar(&f.poll, "poll", 10*time.Millisecond, "how often each consumer polls the agent API in phase 2b")
	flag.DurationVar(&f.timeout, "timeout", 10*time.Minute, "give up after this long")
	flag.BoolVar(&f.json, "json", false, "print the results as JSON instead of a table")
	flag.StringVar(&f.appLog, "applog", filepath.Join(os.TempDir(), "smsdesk-bench-app.log"), "file the functions' logs go to (- for stderr)")
	flag.StringVar(&f.mode, "mode", modeTexts, "what to measure: texts (per-text latencies over their floors, and costs), assign (a backlog of queued chats as agents come online), assign-arrivals (chats arriving at available agents) bulk (a bulk send: time to accept, send rate, costs per message; -mps defaults to 50), crm (chats into the CRM: latencies and costs per chat), live (agents' live streams: text stored → event latency, reads of idle connected agents), console (the same for the browser console's /console/events, its first-load bytes and live monitoring's refresh), price (what 1,000 chats and 1,000 bulk texts cost at list prices) reports (30-day reports and the chats CSV over -chats seeded chats) or listeners (what the live updates' listener costs a chat's write on the emulator, with -conversations live chats)")
	flag.IntVar(&f.rounds, "rounds", 5, "texts each consumer sends in modes live and console")
	flag.IntVar(&f.changes, "changes", 20, "changes (agent statuses and queued chats in turn) the supervisor's monitoring page must show in mode console")
	flag.DurationVar(&f.idle, "idle", time.Minute, "how long modes live and console leave every agent connected with nothing happening, to count the reads of idle agents")
	flag.IntVar(&f.chats, "chats", 100000, "ended chats seeded in mode reports")
	flag.IntVar(&f.days, "days", 90, "days the seeded chats of mode reports spread over")
	flag.IntVar(&f.reportQueues, "queues", 10, "queues of mode reports")
	flag.IntVar(&f.texts, "texts", 4, "consumer texts after the first in each chat, in mode price")
	flag.IntVar(&f.replies, "replies", 4, "agent replies in each chat, in mode price")
	flag.StringVar(&f.crm, "crm", config.CRMFirestore, "the CRM adapter chats go to: firestore (the built-in CRM) or none")
	flag.Parse()
	if f.mode == modeBulk {
		bulkDefaults(&f)
	} else if f.mode == modePrice {
		priceDefaults(&f)
	} else {
		modeDefaults(&f)
	}
	if f.agents <= 0 && f.capacity > 0 {
		f.agents = (f.conversations + f.capacity - 1) / f.capacity
	}
	return f
}

func main() {
	f := parseFlags()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(context.Background(), f, log); err != nil {
		log.Error("bench failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f flags, log *slog.Logger) error {
	if f.conversations <= 0 || f.capacity <= 0 || f.agents*f.capacity < f.conversations {
		return fmt.Errorf("need -conversations > 0 and -agents × -capacity (%d × %d) ≥ -conversations (%d)", f.agents, f.capacity, f.conversations)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	if f.mode == modeReports {
		return runReports(ctx, f, log, os.Stdout)
	}
	if f.mode == modeListeners {
		return runListeners(ctx, f, log, os.Stdout)
	}
	start := time.Now()
	// The results go to stdout alone: the Functions Framework prints to stdout as it starts.
	out := os.Stdout
	os.Stdout = os.Stderr
	if f.appLog != "-" {
		// The functions log every text as JSON to stderr; the app's logger takes os.Stderr when
		// it is built, so point it at a file for the run and keep our own log on the terminal.
		lf, err := os.Create(f.appLog)
		if err != nil {
			return fmt.Errorf("create app log: %w", err)
		}
		defer lf.Close()
		os.Stdout, os.Stderr = lf, lf
		log.Info("functions log to a file", "path", f.appLog)
	}
	b, err := setup(ctx, f, log)
	if err != nil {
		return err
	}
	defer b.close()
	if f.mode == modeBulk {
		return b.runBulk(ctx, log, out, start)
	}
	if f.mode == modeCRM {
		return b.runCRM(ctx, log, out, start)
	}
	if f.mode == modePrice {
		return b.runPrice(ctx, log, out, start)
	}
	if f.mode == modeLive {
		return b.runLive(ctx, log, out, start)
	}
	if f.mode == modeConsole {
		return b.runConsole(ctx, log, out, start)
	}
	if f.mode != modeTexts {
		return b.runAssign(ctx, log, out, start)
	}
	res, err := b.measure(ctx, log)
	if err != nil {
		return err
	}
	res.Conversations, res.Agents, res.Capacity = f.conversations, f.agents, f.capacity
	res.WallSeconds = time.Since(start).Seconds()
	return report(out, f.json, res)
}

// bench is the system under test and the consumers and agents driving it.
type bench struct {
	f       flags
	sim     *carriersim.Sim
	watch   *smsWatch
	gate    *smsGate
	simSrv  *httptest.Server
	runner  *localrun.Runner
	meter   *metering.Meter
	http    *http.Client
	fixture fixture
	phones  []string
	floors  *floors // mode texts only
}

func setup(ctx context.Context, f flags, log *slog.Logger) (*bench, error) {
	port, err := localrun.FreePort("127.0.0.1")
	if err != nil {
		return nil, err
	}
	b := &bench{f: f, meter: metering.New(), http: newHTTPClient(f.conversations)}
	b.sim = carriersim.New(carriersim.Options{
		AccountSID: accountSID, AuthToken: authToken,
		WebhookURL: fmt.Sprintf("http://127.0.0.1:%d/inbound", port), HTTPClient: newHTTPClient(f.conversations),
	})
	b.watch = newSMSWatch(b.sim)
	b.gate = &smsGate{next: b.watch}
	b.simSrv = httptest.NewServer(b.gate)
	b.sim.SetBaseURL(b.simSrv.URL)
	b.fixture = newFixture(f.agents, f.capacity, f.mps)
	b.fixture.console = f.mode == modeConsole
	catalog := b.fixture.catalog()
	catalog.Settings.CRM = &config.CRMSettings{Adapter: f.crm}
	project := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	if f.mode == modeTexts {
		// Before Start: the runner serves the functions registered by then.
		if b.floors, err = newFloors(ctx, project, log); err != nil {
			b.close()
			return nil, err
		}
	}
	b.runner, err = localrun.Start(ctx, localrun.Options{
		ProjectID: project, Port: port, Catalog: &catalog,
		TwilioAccountSID: accountSID, TwilioAuthToken: authToken, TwilioAPIURL: b.simSrv.URL,
		AppOptions: []app.Option{
			app.WithFirestoreOptions(b.meter.FirestoreOptions()...),
			app.WithPubSubOptions(b.meter.PubSubOptions()...),
		},
	})
	if err != nil {
		b.close()
		return nil, fmt.Errorf("start the functions: %w", err)
	}
	for _, id := range b.fixture.agentIDs {
		if err := b.setStatus(ctx, id, initialStatus(f.mode)); err != nil {
			b.close()
			return nil, err
		}
	}
	b.phones = make([]string, f.conversations)
	for i := range b.phones {
		b.phones[i] = fmt.Sprintf("+1555%07d", 2000000+i)
	}
	log.Info("system up", "url", b.runner.BaseURL, "agents", f.agents, "capacity", f.capacity, "conversations", f.conversations)
	return b, nil
}

func (b *bench) close() {
	b.sim.Close()
	b.simSrv.Close()
	if b.floors != nil {
		b.floors.close()
	}
}

// newHTTPClient keeps a connection per concurrent consumer open, so the run measures the
// functions rather than TCP handshakes.
func newHTTPClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 2*conns+16, 2*conns+16
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// measure runs the phases.
func (b *bench) measure(ctx context.Context, log *slog.Logger) (*results, error) {
	res := &results{}
	if err := b.warmUp(ctx, log); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	floors, err := b.floors.measure(ctx, log, b.runner.BaseURL, len(b.phones))
	if err != nil {
		return nil, err
	}
	res.FloorsMs = floors
	chats, err := b.phaseOpen(ctx, log, res)
	if err != nil {
		return nil, fmt.Errorf("phase 1 (first texts): %w", err)
	}
	if err := b.phaseMidChat(ctx, log, res, chats); err != nil {
		return nil, fmt.Errorf("phase 2a (mid-chat texts): %w", err)
	}
	if err := b.phaseVisible(ctx, log, res, chats); err != nil {
		return nil, fmt.Errorf("phase 2b (agent-visible latency): %w", err)
	}
	res.Ratios = res.ratios()
	return res, nil
}
