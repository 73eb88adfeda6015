package localpubsub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"cloud.google.com/go/pubsub/v2"
)

// Local delivery stands in for Eventarc's push to Cloud Functions. The emulator's own push
// makes few requests at a time per subscription, so a handler's every round trip would be
// multiplied by the queue in front of it; here the real client's streaming pull feeds the same
// HTTP endpoints with the cloud's concurrency. How it differs from the cloud:
//   - a failed delivery is retried after LocalBackoff (0.1 s doubling to 5 s), not Terraform's
//     10 s to 600 s, so that tests of failures finish; the retry holds its ordering key, as an
//     ordered push subscription does;
//   - after MaxDeliveryAttempts failures the message is published to the dead-letter topic by
//     this code, with the attributes Pub/Sub adds, instead of by the service;
//   - the puller lives in the functions' process: a killed process loses its deliveries in
//     flight, which the emulator delivers again when their lease runs out, as the cloud does
//     after a crashed instance.

// LocalBackoff is the wait before the attempt after attempt n (1-based) failed.
func LocalBackoff(n int) time.Duration {
	d := 100 * time.Millisecond << min(n-1, 6)
	return min(d, 5*time.Second)
}

// Deliverer pulls each route's subscription and posts every message to its endpoint.
type Deliverer struct {
	Client  *pubsub.Client
	Project string
	Log     *slog.Logger
	// HTTP posts the deliveries; nil is a client with the attempt timeout below.
	HTTP *http.Client
	// Backoff is the wait after a failed attempt; nil is LocalBackoff.
	Backoff func(attempt int) time.Duration
}

// attemptTimeout bounds one delivery, as the push subscription's deadline does in the cloud.
const attemptTimeout = 2 * time.Minute

// Run delivers every route until ctx ends; it returns the first route's failure to receive.
func (d *Deliverer) Run(ctx context.Context, routes []Route) error {
	if d.HTTP == nil {
		conns := 0
		for _, r := range routes {
			conns += r.concurrency()
		}
		d.HTTP = &http.Client{Timeout: attemptTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	}
	if d.Backoff == nil {
		d.Backoff = LocalBackoff
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(routes))
	for _, r := range routes {
		go func() { errc <- d.receive(ctx, r) }()
	}
	var first error
	for range routes {
		if err := <-errc; err != nil && first == nil && ctx.Err() == nil {
			first = err
			cancel()
		}
	}
	return first
}

func (d *Deliverer) receive(ctx context.Context, r Route) error {
	sub := d.Client.Subscriber(r.SubscriptionName())
	// The client leases every message the emulator sends, so that keys waiting on a slow one
	// do not hold others back; the semaphore is the function's instances, each serving one
	// delivery. A bound would not bound the stream: the emulator ignores the stream's flow
	// control, and a client at its bound stops reading, misses its pings' answers and
	// cancels the stream (a cancelled stream is left broken in the emulator).
	sub.ReceiveSettings.MaxOutstandingMessages = -1
	sub.ReceiveSettings.MaxOutstandingBytes = -1
	slots := make(chan struct{}, r.concurrency())
	dl := d.Client.Publisher(r.DeadLetterTopic())
	defer dl.Stop()
	full := fmt.Sprintf("projects/%s/subscriptions/%s", d.Project, r.SubscriptionName())
	err := sub.Receive(ctx, func(ctx context.Context, m *pubsub.Message) {
		// The client calls this for one message of an ordering key at a time: returning
		// only once the message is handled or dead-lettered keeps the key's order.
		for attempt := 1; ; attempt++ {
			slots <- struct{}{}
			err := d.post(ctx, r, full, m, attempt)
			<-slots
			if err == nil {
				m.Ack()
				return
			}
			if attempt >= MaxDeliveryAttempts {
				d.deadLetter(ctx, dl, full, m, attempt, err)
				return
			}
			select {
			case <-time.After(d.Backoff(attempt)):
			case <-ctx.Done():
				m.Nack()
				return
			}
		}
	})
	if err != nil {
		return fmt.Errorf("receive %s: %w", r.SubscriptionName(), err)
	}
	return nil
}

// pushBody is Pub/Sub's push request, which the Functions Framework turns into a CloudEvent.
type pushBody struct {
	Message struct {
		Data        []byte            `json:"data"`
		Attributes  map[string]string `json:"attributes,omitempty"`
		MessageID   string            `json:"messageId"`
		PublishTime time.Time         `json:"publishTime"`
		OrderingKey string            `json:"orderingKey,omitempty"`
	} `json:"message"`
	Subscription    string `json:"subscription"`
	DeliveryAttempt int    `json:"deliveryAttempt"`
}

func (d *Deliverer) post(ctx context.Context, r Route, sub string, m *pubsub.Message, attempt int) error {
	var b pushBody
	b.Message.Data, b.Message.Attributes, b.Message.MessageID = m.Data, m.Attributes, m.ID
	b.Message.PublishTime, b.Message.OrderingKey = m.PublishTime, m.OrderingKey
	b.Subscription, b.DeliveryAttempt = sub, attempt
	body, err := json.Marshal(b)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNoContent, http.StatusProcessing:
		return nil // the codes a push subscription takes as an ack
	}
	return fmt.Errorf("%s answered %s: %s", r.Function, resp.Status, bytes.TrimSpace(msg))
}

// deadLetter forwards a message that failed every attempt, with the attributes Pub/Sub
// adds, and acknowledges it so that later messages of its key go on. Should the forward
// fail, the message is left to its lease, to be delivered again.
func (d *Deliverer) deadLetter(ctx context.Context, dl *pubsub.Publisher, sub string, m *pubsub.Message, attempts int, cause error) {
	attrs := make(map[string]string, len(m.Attributes)+2)
	for k, v := range m.Attributes {
		attrs[k] = v
	}
	attrs["CloudPubSubDeadLetterSourceSubscription"] = sub
	attrs["CloudPubSubDeadLetterSourceDeliveryCount"] = strconv.Itoa(attempts)
	if _, err := dl.Publish(ctx, &pubsub.Message{Data: m.Data, Attributes: attrs}).Get(ctx); err != nil {
		d.Log.Error("dead letter not published; delivered again later", "messageId", m.ID, "err", errors.Join(cause, err))
		m.Nack()
		return
	}
	d.Log.Error("message dead-lettered", "messageId", m.ID, "subscription", sub, "attempts", attempts, "err", cause)
	m.Ack()
}
