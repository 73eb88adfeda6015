// Package bus carries smsdesk's messages over Pub/Sub: a publisher that keeps one
// conversation's messages in order, the outbox that hands stored texts to the sender, and the
// decode-or-drop consumer of delivered events. The messages themselves are in shared/wire.
package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/pubsub/v2"

	"github.com/smsdesk/smsdesk/shared/wire"
)

// Publisher publishes JSON messages to topics of one project.
type Publisher struct {
	client   *pubsub.Client
	foldKeys uint32
	mu       sync.Mutex
	topics   map[string]*pubsub.Publisher
}

// NewPublisher wraps a Pub/Sub client.
func NewPublisher(c *pubsub.Client) *Publisher {
	return &Publisher{client: c, topics: map[string]*pubsub.Publisher{}}
}

// FoldKeys makes p publish every ordering key as one of n keys, a hash of it, and returns p;
// n = 0 (the cloud's) publishes keys as they are. A key's messages keep their order, for they
// share its folded key; keys folded together are delivered one after another. The Pub/Sub
// emulator keeps a thread busy for every ordering key it has seen, so a local run with
// thousands of chats folds them (SMSDESK_LOCAL_ORDERING_KEYS) or the machine does nothing else.
func (p *Publisher) FoldKeys(n int) *Publisher {
	p.foldKeys = uint32(max(n, 0))
	return p
}

func (p *Publisher) key(k string) string {
	if p.foldKeys == 0 || k == "" {
		return k
	}
	h := fnv.New32a()
	h.Write([]byte(k))
	return "k" + strconv.FormatUint(uint64(h.Sum32()%p.foldKeys), 10)
}

func (p *Publisher) topic(id string) *pubsub.Publisher {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.topics[id]
	if !ok {
		t = p.client.Publisher(id)
		t.EnableMessageOrdering = true
		// Webhook acknowledgements wait on publishes: keep batching delay short.
		t.PublishSettings.DelayThreshold = 2 * time.Millisecond
		p.topics[id] = t
	}
	return t
}

// Publish sends v as JSON to topic and waits until Pub/Sub has it. Messages with the same
// non-empty orderingKey are delivered in publish order.
func (p *Publisher) Publish(ctx context.Context, topic, orderingKey string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode message for %s: %w", topic, err)
	}
	t := p.topic(topic)
	orderingKey = p.key(orderingKey)
	if _, err := t.Publish(ctx, &pubsub.Message{Data: data, OrderingKey: orderingKey}).Get(ctx); err != nil {
		if orderingKey != "" {
			// A failed ordered publish pauses its key; the caller's retry must be able to go on.
			t.ResumePublish(orderingKey)
		}
		return fmt.Errorf("publish to %s: %w", topic, err)
	}
	return nil
}

// Stop flushes and stops every topic publisher.
func (p *Publisher) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.topics {
		t.Stop()
	}
}

// Outbox hands stored messages to the sender through the outbound topic.
type Outbox struct {
	Publisher *Publisher
	Topic     string
	// Fail, when set, fails the publish of the paths it returns an error for, as a stalled
	// or unreachable Pub/Sub would (fault tests).
	Fail func(ctx context.Context, path string) error
}

// Send publishes one outbound message per path, ordered per chat so that a consent message,
// a menu and a wait message leave in the order they were written.
func (o Outbox) Send(ctx context.Context, paths ...string) error {
	for _, p := range paths {
		if err := o.failed(ctx, p); err != nil {
			return err
		}
		if err := o.Publisher.Publish(ctx, o.Topic, OrderingKey(p), wire.OutboundMessage{Path: p}); err != nil {
			return err
		}
	}
	return nil
}

// SendStatus publishes a delivery status of the message at path for the sender to record.
// The status webhook uses it when it cannot record a status at once: the carrier does not
// call again, so a status is kept on the topic, not lost. It has no ordering key: statuses
// only move a message forward, in any order, and one that waits for Firestore must not hold
// up the chat's next messages on its key.
func (o Outbox) SendStatus(ctx context.Context, path, sid, status string, code int) error {
	if err := o.failed(ctx, path); err != nil {
		return err
	}
	return o.Publisher.Publish(ctx, o.Topic, "", wire.OutboundMessage{Path: path,
		Status: &wire.DeliveryStatus{MessageSID: sid, Status: status, ErrorCode: code}})
}

// failed is the publish failure Fail asks for the message at path, if any.
func (o Outbox) failed(ctx context.Context, path string) error {
	if o.Fail == nil {
		return nil
	}
	if err := o.Fail(ctx, path); err != nil {
		return fmt.Errorf("publish to %s: %w", o.Topic, err)
	}
	return nil
}

// OrderingKey is the chat (or consumer) part of a message path: "sessions/X" of
// "sessions/X/transcript/3". Messages about one chat share it, so they arrive in order.
func OrderingKey(path string) string {
	if i := strings.Index(path, "/"); i >= 0 {
		if j := strings.Index(path[i+1:], "/"); j >= 0 {
			return path[:i+1+j]
		}
	}
	return path
}

// pushEnvelope is a Pub/Sub message as an Eventarc or push delivery carries it.
type pushEnvelope struct {
	Message struct {
		Data []byte `json:"data"`
		ID   string `json:"messageId"`
	} `json:"message"`
}

// Decode unwraps a delivered Pub/Sub event (the CloudEvent data of a messagePublished event)
// and decodes its JSON payload into v. It returns the Pub/Sub message id.
func Decode(eventData []byte, v any) (string, error) {
	var env pushEnvelope
	if err := json.Unmarshal(eventData, &env); err != nil {
		return "", fmt.Errorf("not a Pub/Sub event: %w", err)
	}
	if err := json.Unmarshal(env.Message.Data, v); err != nil {
		return env.Message.ID, fmt.Errorf("message %s: payload is not the expected JSON: %w", env.Message.ID, err)
	}
	return env.Message.ID, nil
}

// Consume decodes a delivered event's data into a T and hands it to fn. A message that can
// never be decoded, or that valid refuses, is dropped loudly: redelivering it would loop
// forever. An error from fn makes Pub/Sub deliver the message again.
func Consume[T any](ctx context.Context, eventData []byte, log *slog.Logger, what string, valid func(T) bool, fn func(context.Context, T) error) error {
	var v T
	id, err := Decode(eventData, &v)
	if err != nil || !valid(v) {
		log.Error("undecodable "+what+" dropped", "pubsubId", id, "err", err)
		return nil
	}
	return fn(ctx, v)
}
