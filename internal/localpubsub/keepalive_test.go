package localpubsub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/api/option"
	"google.golang.org/grpc"
)

// TestAQuietSubscriptionKeepsItsStream: a subscription with nothing to deliver for longer
// than the client's ping cycle (a ping every 30 s, the stream cancelled 15 s after an
// unanswered one) keeps the streaming pull it opened, since each cancelled stream is left
// broken inside the emulator, and a message published after the quiet is delivered on it.
func TestAQuietSubscriptionKeepsItsStream(t *testing.T) {
	t.Parallel()
	var opened atomic.Int32
	count := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		if method == streamingPull {
			opened.Add(1)
		}
		return streamer(ctx, desc, cc, method, opts...)
	}
	c, project := emulatorClient(t, option.WithGRPCDialOption(grpc.WithChainStreamInterceptor(count)))
	e := &endpoint{handled: map[string][]int{}, attempts: map[string]int{}, lastAttempt: map[string]int{},
		handle: func(string, int, int) int { return http.StatusOK }}
	srv := httptest.NewServer(e)
	defer srv.Close()
	r := Route{Topic: "quiet", Function: "fn", Endpoint: srv.URL + "/fn/projects/" + project + "/topics/quiet", Concurrency: 2}
	if err := Provision(context.Background(), c, project, []Route{r}); err != nil {
		t.Fatal(err)
	}
	start(t, c, project, r)
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

// The client library's keepalive cycle (cloud.google.com/go/pubsub/v2, iterator.go), plus a second.
const quiet = 30*time.Second + 15*time.Second + 10*time.Second + time.Second // ping, its timeout, the check's period
