package localpubsub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"google.golang.org/api/option"
)

func emulatorClient(t *testing.T, opts ...option.ClientOption) (*pubsub.Client, string) {
	t.Helper()
	if os.Getenv("PUBSUB_EMULATOR_HOST") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs the Pub/Sub emulator; under CI=true a missing emulator is a failure")
		}
		t.Skip("needs the Pub/Sub emulator: run scripts/test.sh, which starts it")
	}
	project := fmt.Sprintf("deliver-%d", time.Now().UnixNano())
	c, err := NewClient(context.Background(), project, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, project
}

// endpoint is an event function over HTTP: it decodes Pub/Sub's push body and answers as
// handle says, recording how many deliveries ran at once.
type endpoint struct {
	mu            sync.Mutex
	running, most int
	handle        func(key string, seq int, attempt int) int // the status to answer
	handled       map[string][]int                           // key → sequence numbers answered 200, in order
	attempts      map[string]int                             // "key/seq" → deliveries
	lastAttempt   map[string]int                             // "key/seq" → deliveryAttempt of its last push
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b pushBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key := b.Message.OrderingKey
	seq, _ := strconv.Atoi(string(b.Message.Data))
	id := fmt.Sprintf("%s/%d", key, seq)
	e.mu.Lock()
	e.running++
	e.most = max(e.most, e.running)
	e.attempts[id]++
	e.lastAttempt[id] = b.DeliveryAttempt
	n := e.attempts[id]
	e.mu.Unlock()
	time.Sleep(5 * time.Millisecond) // a handler's round trips, so that deliveries overlap
	code := e.handle(key, seq, n)
	e.mu.Lock()
	e.running--
	if code == http.StatusOK {
		e.handled[key] = append(e.handled[key], seq)
	}
	e.mu.Unlock()
	w.WriteHeader(code)
}

func start(t *testing.T, c *pubsub.Client, project string, r Route) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &Deliverer{Client: c, Project: project, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Backoff: func(int) time.Duration { return time.Millisecond }}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, []Route{r}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

func publish(t *testing.T, c *pubsub.Client, topic string, keys, each int) {
	t.Helper()
	p := c.Publisher(topic)
	p.EnableMessageOrdering = true
	defer p.Stop()
	var results []*pubsub.PublishResult
	for seq := range each {
		for k := range keys {
			results = append(results, p.Publish(context.Background(), &pubsub.Message{Data: []byte(strconv.Itoa(seq)), OrderingKey: fmt.Sprintf("chat-%02d", k)}))
		}
	}
	for _, r := range results {
		if _, err := r.Get(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeliveryRunsTheCloudsConcurrencyInKeyOrder: many chats' messages are delivered with
// as many deliveries at once as the function's instances, never more, while each chat's
// messages are handled in the order published, a failed one retried before the next.
func TestDeliveryRunsTheCloudsConcurrencyInKeyOrder(t *testing.T) {
	c, project := emulatorClient(t)
	const keys, each, concurrency = 20, 10, 6
	e := &endpoint{handled: map[string][]int{}, attempts: map[string]int{}, lastAttempt: map[string]int{},
		handle: func(key string, seq, attempt int) int {
			if seq%3 == 1 && attempt < 3 { // every third message fails twice first
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}}
	srv := httptest.NewServer(e)
	defer srv.Close()
	r := Route{Topic: "orders", Function: "fn", Endpoint: srv.URL + "/fn/projects/" + project + "/topics/orders", Concurrency: concurrency}
	if err := Provision(context.Background(), c, project, []Route{r}); err != nil {
		t.Fatal(err)
	}
	start(t, c, project, r)
	publish(t, c, r.Topic, keys, each)

	deadline := time.Now().Add(time.Minute)
	for {
		e.mu.Lock()
		n := 0
		for _, h := range e.handled {
			n += len(h)
		}
		e.mu.Unlock()
		if n >= keys*each || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for k := range keys {
		key := fmt.Sprintf("chat-%02d", k)
		got := e.handled[key]
		want := make([]int, each)
		for i := range want {
			want[i] = i
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s handled %v, want %v once each in order", key, got, want)
		}
	}
	if e.most != concurrency {
		t.Errorf("at most %d deliveries at once, want the route's %d", e.most, concurrency)
	}
	if a := e.lastAttempt["chat-00/1"]; a != 3 {
		t.Errorf("the third push of a message says deliveryAttempt %d, want 3", a)
	}
}

// TestDeliveryDeadLettersAfterTheLastAttempt: a message its function never takes goes to the
// dead-letter topic, with its source and attempts, after MaxDeliveryAttempts pushes; the
// chat's next message is delivered after it.
func TestDeliveryDeadLettersAfterTheLastAttempt(t *testing.T) {
	c, project := emulatorClient(t)
	e := &endpoint{handled: map[string][]int{}, attempts: map[string]int{}, lastAttempt: map[string]int{},
		handle: func(key string, seq, attempt int) int {
			if seq == 0 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}}
	srv := httptest.NewServer(e)
	defer srv.Close()
	r := Route{Topic: "poison", Function: "fn", Endpoint: srv.URL + "/fn/projects/" + project + "/topics/poison", Concurrency: 2}
	if err := Provision(context.Background(), c, project, []Route{r}); err != nil {
		t.Fatal(err)
	}
	start(t, c, project, r)
	publish(t, c, r.Topic, 1, 2)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var dead *pubsub.Message
	err := c.Subscriber(r.DeadLetterTopic()+"-pull").Receive(ctx, func(_ context.Context, m *pubsub.Message) {
		m.Ack()
		dead = m
		cancel()
	})
	if err != nil {
		t.Fatal(err)
	}
	if dead == nil || string(dead.Data) != "0" {
		t.Fatalf("dead letter %v, want message 0", dead)
	}
	if got := dead.Attributes["CloudPubSubDeadLetterSourceDeliveryCount"]; got != strconv.Itoa(MaxDeliveryAttempts) {
		t.Errorf("dead letter after %s deliveries, want %d", got, MaxDeliveryAttempts)
	}
	if got, want := dead.Attributes["CloudPubSubDeadLetterSourceSubscription"], "projects/"+project+"/subscriptions/"+r.SubscriptionName(); got != want {
		t.Errorf("dead letter from %q, want %q", got, want)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		e.mu.Lock()
		h := fmt.Sprint(e.handled["chat-00"])
		e.mu.Unlock()
		if h == "[1]" {
			break
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.attempts["chat-00/0"] != MaxDeliveryAttempts || fmt.Sprint(e.handled["chat-00"]) != "[1]" {
		t.Errorf("message 0 pushed %d times and the chat handled %v; want %d pushes, then message 1", e.attempts["chat-00/0"], e.handled["chat-00"], MaxDeliveryAttempts)
	}
}
