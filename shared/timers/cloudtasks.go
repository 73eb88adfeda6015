package timers

import (
	"context"
	"fmt"
	"strings"
	"time"

	cloudtasks "cloud.google.com/go/cloudtasks/apiv2"
	"cloud.google.com/go/cloudtasks/apiv2/cloudtaskspb"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/option"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// CloudTasksConfig says where CloudTasks schedules timers and how their delivery authenticates.
type CloudTasksConfig struct {
	Queue          string // projects/P/locations/L/queues/Q
	URL            string // the expiry function URL
	ServiceAccount string // OIDC token identity for the task (the audience is URL)
	Secret         []byte // signs each task body (header X-Smsdesk-Timer-Signature)
}

func (cfg CloudTasksConfig) validate() error {
	var missing []string
	if cfg.Queue == "" {
		missing = append(missing, "Queue")
	}
	if cfg.URL == "" {
		missing = append(missing, "URL")
	}
	if cfg.ServiceAccount == "" {
		missing = append(missing, "ServiceAccount")
	}
	if len(cfg.Secret) == 0 {
		missing = append(missing, "Secret")
	}
	if len(missing) > 0 {
		return fmt.Errorf("cloud tasks config: missing %s", strings.Join(missing, ", "))
	}
	p := strings.Split(cfg.Queue, "/")
	if len(p) != 6 || p[0] != "projects" || p[2] != "locations" || p[4] != "queues" ||
		p[1] == "" || p[3] == "" || p[5] == "" {
		return fmt.Errorf("cloud tasks config: queue %q is not projects/P/locations/L/queues/Q", cfg.Queue)
	}
	return nil
}

// CloudTasks schedules timers as Cloud Tasks HTTP tasks that POST the signed timer to the expiry
// function with an OIDC token. Create it once per instance and reuse it; it is safe for
// concurrent use.
type CloudTasks struct {
	cfg    CloudTasksConfig
	client *cloudtasks.Client
	retry  gax.CallOption
}

// NewCloudTasks connects to Cloud Tasks (opts as for cloudtasks.NewClient: endpoint, credentials).
func NewCloudTasks(ctx context.Context, cfg CloudTasksConfig, opts ...option.ClientOption) (*CloudTasks, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	client, err := cloudtasks.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("cloud tasks client for %s: %w", cfg.Queue, err)
	}
	// CreateTask has no retry by default since it is not idempotent in general; with
	// deterministic task names it is, so a transient failure is retried (a retry whose first
	// attempt did land answers AlreadyExists, which Schedule treats as success).
	retry := gax.WithRetry(func() gax.Retryer {
		return gax.OnCodes([]codes.Code{codes.Unavailable}, gax.Backoff{
			Initial:    100 * time.Millisecond,
			Max:        5 * time.Second,
			Multiplier: 2,
		})
	})
	return &CloudTasks{cfg: cfg, client: client, retry: retry}, nil
}

// Schedule creates the task for t, due at t.Due. A task of the same name already existing (this
// timer was scheduled before, or was delivered recently) is success.
func (c *CloudTasks) Schedule(ctx context.Context, t Timer) error {
	if err := validate(t); err != nil {
		return err
	}
	body, sig, err := encode(c.cfg.Secret, t)
	if err != nil {
		return err
	}
	name := c.cfg.Queue + "/tasks/" + Name(t)
	req := &cloudtaskspb.CreateTaskRequest{
		Parent: c.cfg.Queue,
		Task: &cloudtaskspb.Task{
			Name:         name,
			ScheduleTime: timestamppb.New(t.Due),
			MessageType: &cloudtaskspb.Task_HttpRequest{
				HttpRequest: &cloudtaskspb.HttpRequest{
					Url:        c.cfg.URL,
					HttpMethod: cloudtaskspb.HttpMethod_POST,
					Headers: map[string]string{
						"Content-Type":  "application/json",
						SignatureHeader: sig,
					},
					Body: body,
					AuthorizationHeader: &cloudtaskspb.HttpRequest_OidcToken{
						OidcToken: &cloudtaskspb.OidcToken{
							ServiceAccountEmail: c.cfg.ServiceAccount,
							Audience:            c.cfg.URL,
						},
					},
				},
			},
		},
	}
	if _, err := c.client.CreateTask(ctx, req, c.retry); err != nil {
		if status.Code(err) == codes.AlreadyExists {
			return nil
		}
		return fmt.Errorf("schedule timer %s due %s: create task: %w", name, t.Due.Format(time.RFC3339), err)
	}
	return nil
}

// Close closes the connection to Cloud Tasks.
func (c *CloudTasks) Close() error {
	if err := c.client.Close(); err != nil {
		return fmt.Errorf("close cloud tasks client for %s: %w", c.cfg.Queue, err)
	}
	return nil
}
