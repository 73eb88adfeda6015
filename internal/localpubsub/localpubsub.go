// Package localpubsub sets up Pub/Sub topics, subscriptions and dead-letter topics on the
// emulator the way terraform/pubsub.tf declares them in the cloud, and delivers their messages
// to the functions' HTTP endpoints as Eventarc does (deliver.go), for the local runner and
// tests. It is not domain code; terraform's tests hold its retry settings equal to Terraform's.
package localpubsub

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// How Pub/Sub retries a push delivery that failed, and how many deliveries a message gets
// before it goes to its subscription's dead-letter topic. terraform/pubsub.tf sets the same
// (terraform/infra_pubsub_test.go holds them equal), so a message that can never be handled stops
// being retried locally as it does in the cloud, and lets later messages of its key go on.
const (
	RetryMinBackoff     = 10 * time.Second
	RetryMaxBackoff     = 600 * time.Second
	MaxDeliveryAttempts = 10 // var.max_delivery_attempts's default
)

// CloudConcurrency is how many deliveries of an event function the cloud runs at once with
// Terraform's defaults: max_instances (20) instances serving one request each, but the
// sender's single instance serving 40 (terraform/functions.tf's concurrency_of).
func CloudConcurrency(function string) int {
	if function == "sender" {
		return 40
	}
	return 20
}

// Route is a topic delivered to an HTTP endpoint, the way Eventarc delivers to a function.
type Route struct {
	Topic    string
	Function string // the event function it delivers to, which names the subscription
	Endpoint string
	// Concurrency is how many deliveries run at once: in the cloud, the function's instances
	// times the requests each serves (terraform/functions.tf). 0 is 1.
	Concurrency int
}

// SubscriptionName is the subscription of a route, named as Terraform names it.
func (r Route) SubscriptionName() string { return r.Topic + "-" + r.Function }

// DeadLetterTopic is where the route's undeliverable messages go; its pull subscription is
// DeadLetterTopic() + "-pull".
func (r Route) DeadLetterTopic() string { return r.SubscriptionName() + "-dead-letter" }

func (r Route) concurrency() int { return max(r.Concurrency, 1) }

// Provision creates topics, their ordered subscriptions (pulled by a Deliverer) and
// dead-letter topics (each with a pull subscription that keeps the dead letters) where they
// do not exist, and turns a push subscription left by an older local run into a pulled one.
// It is for the emulator and tests; in the cloud Terraform owns these.
func Provision(ctx context.Context, c *pubsub.Client, project string, routes []Route) error {
	topicPath := func(name string) string { return fmt.Sprintf("projects/%s/topics/%s", project, name) }
	subPath := func(name string) string { return fmt.Sprintf("projects/%s/subscriptions/%s", project, name) }
	for _, r := range routes {
		for _, t := range []string{r.Topic, r.DeadLetterTopic()} {
			if _, err := c.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topicPath(t)}); err != nil && status.Code(err) != codes.AlreadyExists {
				return fmt.Errorf("create topic %s: %w", t, err)
			}
		}
		_, err := c.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{
			Name:               subPath(r.DeadLetterTopic() + "-pull"),
			Topic:              topicPath(r.DeadLetterTopic()),
			AckDeadlineSeconds: 60,
		})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("create subscription %s-pull: %w", r.DeadLetterTopic(), err)
		}
		_, err = c.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{
			Name:                  subPath(r.SubscriptionName()),
			Topic:                 topicPath(r.Topic),
			AckDeadlineSeconds:    30,
			EnableMessageOrdering: true,
			RetryPolicy: &pubsubpb.RetryPolicy{
				MinimumBackoff: durationpb.New(RetryMinBackoff),
				MaximumBackoff: durationpb.New(RetryMaxBackoff),
			},
			DeadLetterPolicy: &pubsubpb.DeadLetterPolicy{
				DeadLetterTopic:     topicPath(r.DeadLetterTopic()),
				MaxDeliveryAttempts: MaxDeliveryAttempts,
			},
		})
		if status.Code(err) == codes.AlreadyExists {
			err = c.SubscriptionAdminClient.ModifyPushConfig(ctx, &pubsubpb.ModifyPushConfigRequest{
				Subscription: subPath(r.SubscriptionName()), PushConfig: &pubsubpb.PushConfig{}})
		}
		if err != nil {
			return fmt.Errorf("create subscription %s: %w", r.SubscriptionName(), err)
		}
	}
	return nil
}
