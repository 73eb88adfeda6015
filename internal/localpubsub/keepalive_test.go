package localpubsub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
)

// TestAQuietSubscriptionKeepsItsStream: a subscription with nothing to deliver for longer
// than the client's ping cycle (a ping every 30 s, the stream cancelled 15 s after an
// unanswered one) keeps the streaming pull it opened, since each cancelled stream is left
// broken inside the emulator, and a message published after the quiet is delivered on it.
func TestAQuietSubscriptionKeepsItsStream(t *testing.T) {
	t.Parallel()
	c, r, e, opened := streamsCounted(t, "quiet", func(string, int, int) int { return http.StatusOK })
	// A ping and the check that would cancel its stream: the quiet is what is under test.
	time.Sleep(quiet)
	publish(t, c, r.Topic, 1, 1)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		e.mu.Lock()
		n := len(e.handled["chat-00"])
		e.mu.Unlock()
		if n == 1 {
			break
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.handled["chat-00"]) != 1 {
		t.Errorf("the message published after %s of quiet was handled %d times, want once", quiet, len(e.handled["chat-00"]))
	}
	if n := opened.Load(); n != 1 {
		t.Errorf("the subscription opened %d streaming pulls in %s, want the one it started with", n, quiet)
	}
}

// TestABusySubscriptionKeepsItsStream: while every delivery slot is taken for longer than the
// client's ping cycle and more messages wait than a bounded client would lease, the client
// keeps reading its stream (the emulator ignores the stream's flow control, and a client that
// stopped reading would miss its pings' answers and cancel the stream), and every message is
// handled once when the slots free.
func TestABusySubscriptionKeepsItsStream(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	c, r, e, opened := streamsCounted(t, "busy", func(string, int, int) int { <-gate; return http.StatusOK })
	const keys = 1100 // more than the 1,000 messages a bounded client leased
	publish(t, c, r.Topic, keys, 1)
	time.Sleep(quiet)
	close(gate)
	handled := func() (n, twice int) {
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, seqs := range e.handled {
			n += len(seqs)
			if len(seqs) > 1 {
				twice++
			}
		}
		return n, twice
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n, _ := handled(); n >= keys {
			break
		}
	}
	if n, twice := handled(); n != keys || twice != 0 {
		t.Errorf("handled %d deliveries, %d messages more than once; want each of the %d once", n, twice, keys)
	}
	if n := opened.Load(); n != 1 {
		t.Errorf("the subscription opened %d streaming pulls while its slots were busy for %s, want the one it started with", n, quiet)
	}
}

// streamsCounted delivers topic to an endpoint that answers as handle says, on a client that
// counts the streaming pulls it opens.
func streamsCounted(t *testing.T, topic string, handle func(key string, seq, attempt int) int) (*pubsub.Client, Route, *endpoint, *atomic.Int32) {
	t.Helper()
	opened := &atomic.Int32{}
	count := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		if method == streamingPull {
			opened.Add(1)
		}
		return streamer(ctx, desc, cc, method, opts...)
	}
	c, project := emulatorClient(t, option.WithGRPCDialOption(grpc.WithChainStreamInterceptor(count)))
	e := &endpoint{handled: map[string][]int{}, attempts: map[string]int{}, lastAttempt: map[string]int{}, handle: handle}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	r := Route{Topic: topic, Function: "fn", Endpoint: srv.URL + "/fn/projects/" + project + "/topics/" + topic, Concurrency: 2}
	if err := Provision(context.Background(), c, project, []Route{r}); err != nil {
		t.Fatal(err)
	}
	start(t, c, project, r)
	return c, r, e, opened
}

// The client library's keepalive cycle (cloud.google.com/go/pubsub/v2, iterator.go), plus a second.
const quiet = 30*time.Second + 15*time.Second + 10*time.Second + time.Second // ping, its timeout, the check's period
