package bus

import (
	"context"
	"fmt"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// PushRoute is a topic delivered to an HTTP endpoint, the way Eventarc delivers to a function.
type PushRoute struct {
	Topic    string
	Endpoint string
}

// ProvisionPush creates topics and ordered push subscriptions where they do not exist. It is
// for the emulator and tests; in the cloud Terraform owns these.
func ProvisionPush(ctx context.Context, c *pubsub.Client, project string, routes []PushRoute) error {
	for _, r := range routes {
		topic := fmt.Sprintf("projects/%s/topics/%s", project, r.Topic)
		_, err := c.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("create topic %s: %w", topic, err)
		}
		sub := fmt.Sprintf("projects/%s/subscriptions/%s-push", project, r.Topic)
		_, err = c.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{
			Name:                  sub,
			Topic:                 topic,
			PushConfig:            &pubsubpb.PushConfig{PushEndpoint: r.Endpoint},
			AckDeadlineSeconds:    30,
			EnableMessageOrdering: true,
			RetryPolicy: &pubsubpb.RetryPolicy{
				MinimumBackoff: durationpb.New(1e8), // 100 ms: locally a retry should come quickly
				MaximumBackoff: durationpb.New(1e10),
			},
		})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("create subscription %s: %w", sub, err)
		}
	}
	return nil
}
