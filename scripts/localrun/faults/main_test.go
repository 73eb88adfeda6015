// Package faults_test runs the whole system, as scripts/localrun does, with its Firestore and
// Pub/Sub clients behind fault proxies (scripts/faultproxy), and checks that real stalls lose
// no consumer text. It has a package and a process of its own: a stall holds every client of
// the process, which the other end-to-end tests must not feel.
package faults_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/scripts/faultproxy"
	"github.com/smsdesk/smsdesk/scripts/localrun"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

const (
	accountSID = "ACfa070000000000000000000000000000"
	authToken  = "faulttoken0123456789"
	business   = "+18005550100" // the example configuration's retail number
)

var (
	sim               *carriersim.Sim
	runner            *localrun.Runner
	firestore, pubsub *faultproxy.Proxy
	phones            = make(chan int, 1)
)

func TestMain(m *testing.M) {
	fsHost, psHost := os.Getenv("FIRESTORE_EMULATOR_HOST"), os.Getenv("PUBSUB_EMULATOR_HOST")
	if fsHost == "" || psHost == "" {
		fmt.Fprintln(os.Stderr, "fault tests need the Firestore and Pub/Sub emulators: run scripts/test.sh")
		os.Exit(1)
	}
	os.Exit(run(m, fsHost, psHost))
}

func run(m *testing.M, fsHost, psHost string) int {
	var err error
	if firestore, err = faultproxy.Start(fsHost); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer firestore.Close()
	if pubsub, err = faultproxy.Start(psHost); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer pubsub.Close()
	// Every client of this process (the functions' and the runner's) goes through the proxies.
	os.Setenv("FIRESTORE_EMULATOR_HOST", firestore.Addr())
	os.Setenv("PUBSUB_EMULATOR_HOST", pubsub.Addr())

	port, err := localrun.FreePort("127.0.0.1")
	if err != nil {
		panic(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	sim = carriersim.New(carriersim.Options{
		AccountSID: accountSID, AuthToken: authToken,
		WebhookURL: base + "/inbound", FallbackURL: base + "/inboundfallback",
		// The carrier's deadline for each exchange.
		HTTPClient: &http.Client{Timeout: carrierDeadline},
	})
	simSrv := httptest.NewServer(sim)
	defer simSrv.Close()
	defer sim.Close()
	sim.SetBaseURL(simSrv.URL)
	example, err := config.LoadFile("../../../config.example.json")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	runner, err = localrun.Start(context.Background(), localrun.Options{
		ProjectID: fmt.Sprintf("faults-%d", time.Now().UnixNano()), Port: port, Catalog: &example,
		TwilioAccountSID: accountSID, TwilioAuthToken: authToken, TwilioAPIURL: simSrv.URL,
		// The carrier is asked for a status that did not arrive soon after it took a message,
		// so a test of it waits seconds, not the deployed ten minutes.
		StatusRecheck: statusRecheck,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		return 1
	}
	phones <- 0
	return m.Run()
}

// consumerPhone gives each test a phone number of its own.
func consumerPhone() string {
	n := <-phones + 1
	phones <- n
	return fmt.Sprintf("+1555%03d%04d", time.Now().Unix()%1000, n)
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// sentTo is what the carrier sent to phone, in order.
func sentTo(phone string) []string {
	var out []string
	for _, m := range sim.Sent() {
		if m.To == phone {
			out = append(out, m.Body)
		}
	}
	return out
}

// expectSMS waits until the carrier got the nth message (from 1) to phone and checks that it
// contains want.
func expectSMS(t *testing.T, ctx context.Context, phone string, nth int, want string) {
	t.Helper()
	for {
		if got := sentTo(phone); len(got) >= nth {
			if !strings.Contains(got[nth-1], want) {
				t.Fatalf("message #%d to %s = %q, want it to contain %q; all: %q", nth, phone, got[nth-1], want, got)
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("message #%d to %s (%q) never sent; sent: %q", nth, phone, want, sentTo(phone))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// entries are the lines of the consumer's active chat.
func entries(t *testing.T, ctx context.Context, phone string) []session.Entry {
	t.Helper()
	c, err := runner.Store.Consumer(ctx, business, phone)
	if err != nil {
		t.Fatal(err)
	}
	es, err := runner.Store.Transcript(ctx, c.ActiveSession)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// transcript is the consumer's active chat as "author:body" (system entries "system:kind").
func transcript(t *testing.T, ctx context.Context, phone string) []string {
	t.Helper()
	var out []string
	for _, e := range entries(t, ctx, phone) {
		what := e.Body
		if e.Author == session.FromSystem {
			what = e.Kind
		}
		out = append(out, string(e.Author)+":"+what)
	}
	return out
}
