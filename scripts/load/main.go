// Command load drives N concurrent conversations through the carrier simulator against the
// local stack run as its own process (scripts/devserver), with agents answering through the
// agent API as their live stream tells them of each change, and checks that every text
// reached its destination exactly once and in order. It prints throughput, latency
// percentiles and the peak memory of the functions' process; -fault runs one fault scenario
// mid-load and prints what was lost or duplicated and how long the backlog took to drain.
//
//	scripts/load.sh -conversations 1000
//	scripts/load.sh -conversations 200 -fault kill
//
// Everything listens on loopback; the run is bounded by -timeout.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/config"
)

const (
	accountSID     = "ACf00d0000000000000000000000000000"
	authToken      = "loadtoken0123456789"
	businessNumber = "+18005550177"
	supportQueue   = "load-support"
)

type flags struct {
	conversations, texts, capacity int
	ramp, timeout, faultAfter      time.Duration
	fault, devserver, logDir       string
	firestorePGID, pubsubPGID      int
	json                           bool
}

// load is one run: the carrier, the functions' process, and the conversations driving them.
type load struct {
	f       flags
	log     *slog.Logger
	sim     *carriersim.Sim
	simURL  string
	phones  *phones
	stack   *stack
	http    *http.Client // agent API calls
	streams *http.Client // live streams: no overall timeout
	convs   []*conversation
	agents  []string

	mu     sync.Mutex
	byChat map[string]*conversation

	lastResync                                        atomic.Int64
	dupWebhooks                                       atomic.Bool
	retries, refused, pushes, reconnects, redelivered atomic.Int64

	callsMu    sync.Mutex
	replyCalls []time.Duration // each agent reply's POST, answer included, retries apart
}

func token(agentID string) string { return "load-token-" + agentID }

func main() {
	var f flags
	flag.IntVar(&f.conversations, "conversations", 1000, "concurrent conversations (consumers), each one chat")
	flag.IntVar(&f.texts, "texts", 1, "texts each way in every conversation, alternating")
	flag.IntVar(&f.capacity, "capacity", 10, "concurrent chats per agent (agents: conversations / capacity)")
	flag.DurationVar(&f.ramp, "ramp", 10*time.Second, "consumers' first texts spread over this long")
	flag.DurationVar(&f.timeout, "timeout", 20*time.Minute, "give up after this long")
	flag.StringVar(&f.fault, "fault", "", "fault scenario run mid-load: "+faultNames())
	flag.DurationVar(&f.faultAfter, "fault-after", 20*time.Second, "when the fault starts, from the first text")
	flag.StringVar(&f.devserver, "devserver", "", "the devserver binary (go build ./scripts/devserver)")
	flag.StringVar(&f.logDir, "logdir", os.TempDir(), "where the functions' log goes")
	flag.IntVar(&f.firestorePGID, "firestore-pgid", 0, "process group of the Firestore emulator (firestore-stall)")
	flag.IntVar(&f.pubsubPGID, "pubsub-pgid", 0, "process group of the Pub/Sub emulator (pubsub-stall)")
	flag.BoolVar(&f.json, "json", false, "print the results as JSON")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runLoad(ctx, f, log); err != nil {
		log.Error("load failed", "err", err)
		os.Exit(1)
	}
}

func runLoad(ctx context.Context, f flags, log *slog.Logger) error {
	if f.conversations <= 0 || f.texts <= 0 || f.capacity <= 0 {
		return fmt.Errorf("-conversations, -texts and -capacity must be positive")
	}
	if f.devserver == "" {
		return fmt.Errorf("-devserver must name the devserver binary (scripts/load.sh builds it)")
	}
	sc, err := scenarioFor(f)
	if err != nil {
		return err
	}
	l, err := setup(ctx, f, log)
	if err != nil {
		return err
	}
	defer l.stack.stop()
	defer l.sim.Close()
	res, err := l.drive(ctx, sc)
	if err != nil {
		return err
	}
	if f.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	res.print(os.Stdout)
	return nil
}

func setup(ctx context.Context, f flags, log *slog.Logger) (*load, error) {
	l := &load{f: f, log: log, byChat: map[string]*conversation{},
		http:    &http.Client{Timeout: 30 * time.Second, Transport: transport(f.conversations)},
		streams: &http.Client{Transport: transport(f.conversations)}}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	simLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the carrier: %w", err)
	}
	l.simURL = "http://" + simLn.Addr().String()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	// The carrier waits 15 s for a webhook, as Twilio does, then calls the fallback URL.
	l.sim = carriersim.New(carriersim.Options{AccountSID: accountSID, AuthToken: authToken,
		WebhookURL: base + "/inbound", FallbackURL: base + "/inboundfallback",
		HTTPClient: &http.Client{Timeout: 15 * time.Second, Transport: transport(f.conversations)}})
	l.sim.SetBaseURL(l.simURL)
	l.phones = newPhones(l.sim)
	srv := &http.Server{Handler: l.phones, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(simLn)

	agents := (f.conversations + f.capacity - 1) / f.capacity
	cat := catalog(agents, f.capacity)
	for _, a := range cat.Agents {
		l.agents = append(l.agents, a.ID)
	}
	raw, err := json.Marshal(cat)
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(f.logDir, "load-config.json")
	if err := os.WriteFile(cfg, raw, 0o600); err != nil {
		return nil, fmt.Errorf("write the configuration: %w", err)
	}
	logFile, err := os.Create(filepath.Join(f.logDir, "load-functions.log"))
	if err != nil {
		return nil, fmt.Errorf("create the functions' log: %w", err)
	}
	l.stack = &stack{bin: f.devserver, config: cfg, project: fmt.Sprintf("load-%d", time.Now().UnixNano()), port: port,
		logFile: logFile, env: []string{"TWILIO_ACCOUNT_SID=" + accountSID, "TWILIO_AUTH_TOKEN=" + authToken, "TWILIO_API_URL=" + l.simURL,
			"SMSDESK_STATUS_RECHECK=" + statusRecheck.String()}}
	if err := l.stack.start(ctx); err != nil {
		return nil, err
	}
	for _, id := range l.agents {
		err := l.call(ctx, id, http.MethodPut, "/status", map[string]string{"status": "available"}, nil, nil)
		if err != nil {
			l.stack.stop()
			return nil, err
		}
	}
	for i := range f.conversations {
		l.convs = append(l.convs, &conversation{i: i, phone: fmt.Sprintf("+1555%07d", 4000000+i), woken: make(chan struct{}, 1)})
	}
	log.Info("stack up", "functions", base, "carrier", l.simURL, "agents", agents, "log", logFile.Name())
	return l, nil
}

// catalog is the run's business: one number whose entry queue is a leaf served by every
// agent, with hour-long timeouts so that no timer ends a chat during the run.
func catalog(agents, capacity int) config.Catalog {
	hour := "1h"
	c := config.Catalog{
		Settings: config.Settings{Timeouts: &config.Timeouts{
			InactivityWarn: hour, InactivityEnd: hour, QueueWait: hour, ReplyDue: hour, Expiration: "24h",
		}},
		Numbers: []config.Number{{Number: businessNumber, LineOfBusiness: "load", EntryQueue: supportQueue,
			DefaultLanguage: "en", Brand: "Load Shop", MPS: 500}},
		Queues: []config.Queue{{ID: supportQueue, Name: "Support", LineOfBusiness: "load"}},
	}
	for i := range agents {
		id := fmt.Sprintf("load-agent-%03d", i+1)
		c.Agents = append(c.Agents, config.Agent{ID: id, Name: fmt.Sprintf("Agent %d", i+1),
			Queues: []string{supportQueue}, Capacity: capacity, Token: token(id)})
	}
	return c
}

// resyncAll has every agent load their view again, at most every 5 s.
func (l *load) resyncAll(ctx context.Context) {
	now := time.Now().UnixNano()
	last := l.lastResync.Load()
	if now-last < int64(5*time.Second) || !l.lastResync.CompareAndSwap(last, now) {
		return
	}
	for _, id := range l.agents {
		go l.resync(ctx, id)
	}
}

func transport(conns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 2*conns+64, 2*conns+64
	return t
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
