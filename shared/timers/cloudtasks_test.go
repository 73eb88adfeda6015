package timers

import (
	"github.com/smsdesk/smsdesk/shared/session"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/cloudtasks/apiv2/cloudtaskspb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

const (
	testQueue = "projects/p1/locations/us-central1/queues/timers"
	testURL   = "https://expiry-abc.a.run.app/"
	testSA    = "timers@p1.iam.gserviceaccount.com"
)

// fakeTasks is an in-process Cloud Tasks that records CreateTask requests and refuses a task
// name it has seen, as Cloud Tasks does.
type fakeTasks struct {
	cloudtaskspb.UnimplementedCloudTasksServer

	mu          sync.Mutex
	requests    []*cloudtaskspb.CreateTaskRequest // every request received
	created     []*cloudtaskspb.Task              // tasks created
	names       map[string]bool
	unavailable int // answer Unavailable to this many requests first
}

func (f *fakeTasks) CreateTask(_ context.Context, req *cloudtaskspb.CreateTaskRequest) (*cloudtaskspb.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, proto.Clone(req).(*cloudtaskspb.CreateTaskRequest))
	if f.unavailable > 0 {
		f.unavailable--
		return nil, status.Error(codes.Unavailable, "try again")
	}
	name := req.GetTask().GetName()
	if f.names[name] {
		return nil, status.Errorf(codes.AlreadyExists, "task %s already exists", name)
	}
	f.names[name] = true
	task := proto.Clone(req.GetTask()).(*cloudtaskspb.Task)
	f.created = append(f.created, task)
	return task, nil
}

func (f *fakeTasks) snapshot() (requests int, created []*cloudtaskspb.Task) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests), append([]*cloudtaskspb.Task(nil), f.created...)
}

// serveTasks serves impl on a loopback port until the test ends and returns the client options
// that reach it with the real cloudtasks client.
func serveTasks(t *testing.T, impl cloudtaskspb.CloudTasksServer) []option.ClientOption {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer()
	cloudtaskspb.RegisterCloudTasksServer(srv, impl)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return []option.ClientOption{
		option.WithEndpoint(lis.Addr().String()),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}
}

func newTestCloudTasks(t *testing.T, secret []byte) (*CloudTasks, *fakeTasks) {
	t.Helper()
	fake := &fakeTasks{names: make(map[string]bool)}
	ct, err := NewCloudTasks(context.Background(), CloudTasksConfig{
		Queue: testQueue, URL: testURL, ServiceAccount: testSA, Secret: secret,
	}, serveTasks(t, fake)...)
	if err != nil {
		t.Fatalf("NewCloudTasks: %v", err)
	}
	t.Cleanup(func() {
		if err := ct.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return ct, fake
}

func TestCloudTasksScheduleCreatesSignedHTTPTask(t *testing.T) {
	secret := []byte("s3cret")
	ct, fake := newTestCloudTasks(t, secret)
	ctx := context.Background()
	timer := Timer{SessionID: "chat-42", Kind: session.TimerInactivityEnd, Generation: 3,
		Due: time.Date(2030, 1, 2, 3, 4, 5, 600_000_000, time.UTC)}

	if err := ct.Schedule(ctx, timer); err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	_, created := fake.snapshot()
	if len(created) != 1 {
		t.Fatalf("created %d tasks, want 1", len(created))
	}
	fake.mu.Lock()
	parent := fake.requests[0].GetParent()
	fake.mu.Unlock()
	if parent != testQueue {
		t.Errorf("parent = %q, want %q", parent, testQueue)
	}
	task := created[0]
	if want := testQueue + "/tasks/" + Name(timer); task.GetName() != want {
		t.Errorf("task name = %q, want %q", task.GetName(), want)
	}
	if got := task.GetScheduleTime().AsTime(); !got.Equal(timer.Due) {
		t.Errorf("schedule time = %v, want %v", got, timer.Due)
	}
	hr := task.GetHttpRequest()
	if hr == nil {
		t.Fatalf("task has no HTTP request: %v", task)
	}
	if hr.GetUrl() != testURL || hr.GetHttpMethod() != cloudtaskspb.HttpMethod_POST {
		t.Errorf("request = %v %q, want POST %q", hr.GetHttpMethod(), hr.GetUrl(), testURL)
	}
	if ct := hr.GetHeaders()["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var got Timer
	if err := json.Unmarshal(hr.GetBody(), &got); err != nil {
		t.Fatalf("body %q: %v", hr.GetBody(), err)
	}
	if got.SessionID != timer.SessionID || got.Kind != timer.Kind || got.Generation != timer.Generation || !got.Due.Equal(timer.Due) {
		t.Errorf("body timer = %+v, want %+v", got, timer)
	}
	oidc := hr.GetOidcToken()
	if oidc.GetServiceAccountEmail() != testSA || oidc.GetAudience() != testURL {
		t.Errorf("OIDC token = %v, want %s for audience %s", oidc, testSA, testURL)
	}

	// What Cloud Tasks would deliver from this task passes Verify.
	req, _ := http.NewRequest(http.MethodPost, hr.GetUrl(), bytes.NewReader(hr.GetBody()))
	for k, v := range hr.GetHeaders() {
		req.Header.Set(k, v)
	}
	req.Header.Set(TaskNameHeader, Name(timer))
	verified, err := Verify(req, secret)
	if err != nil {
		t.Fatalf("Verify of the task's delivery: %v", err)
	}
	if verified.SessionID != timer.SessionID || verified.Generation != timer.Generation {
		t.Errorf("verified %+v, want %+v", verified, timer)
	}
	if _, err := Verify(req, []byte("other")); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("Verify with another secret = %v, want ErrUnauthenticated", err)
	}
}

func TestCloudTasksScheduleTwiceCreatesOnce(t *testing.T) {
	ct, fake := newTestCloudTasks(t, []byte("k"))
	ctx := context.Background()
	timer := Timer{SessionID: "chat-1", Kind: session.TimerQueueWait, Generation: 1, Due: time.Now().Add(time.Minute)}

	if err := ct.Schedule(ctx, timer); err != nil {
		t.Fatalf("first Schedule: %v", err)
	}
	if err := ct.Schedule(ctx, timer); err != nil {
		t.Fatalf("second Schedule of the same timer = %v, want nil", err)
	}
	requests, created := fake.snapshot()
	if requests != 2 || len(created) != 1 {
		t.Fatalf("requests %d, created %d; want 2 requests, 1 task", requests, len(created))
	}

	newer := timer
	newer.Generation = 2
	if err := ct.Schedule(ctx, newer); err != nil {
		t.Fatalf("Schedule newer generation: %v", err)
	}
	_, created = fake.snapshot()
	if len(created) != 2 {
		t.Fatalf("created %d tasks after a newer generation, want 2", len(created))
	}
	if created[0].GetName() == created[1].GetName() {
		t.Errorf("generations 1 and 2 share task name %q", created[0].GetName())
	}
}

func TestCloudTasksScheduleRetriesUnavailable(t *testing.T) {
	ct, fake := newTestCloudTasks(t, []byte("k"))
	fake.mu.Lock()
	fake.unavailable = 1
	fake.mu.Unlock()
	timer := Timer{SessionID: "chat-1", Kind: session.TimerReplyDue, Generation: 1, Due: time.Now().Add(time.Minute)}
	if err := ct.Schedule(context.Background(), timer); err != nil {
		t.Fatalf("Schedule after one Unavailable: %v", err)
	}
	requests, created := fake.snapshot()
	if requests != 2 || len(created) != 1 {
		t.Fatalf("requests %d, created %d; want 2 requests, 1 task", requests, len(created))
	}
}

func TestCloudTasksScheduleReportsOtherErrors(t *testing.T) {
	// A server that implements nothing answers Unimplemented.
	opts := serveTasks(t, cloudtaskspb.UnimplementedCloudTasksServer{})
	ct, err := NewCloudTasks(context.Background(), CloudTasksConfig{
		Queue: testQueue, URL: testURL, ServiceAccount: testSA, Secret: []byte("k"),
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer ct.Close()
	timer := Timer{SessionID: "chat-1", Kind: session.TimerExpire, Generation: 1, Due: time.Now()}
	err = ct.Schedule(context.Background(), timer)
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("Schedule = %v, want an Unimplemented error", err)
	}
}

func TestNewCloudTasksRejectsBadConfig(t *testing.T) {
	good := CloudTasksConfig{Queue: testQueue, URL: testURL, ServiceAccount: testSA, Secret: []byte("k")}
	bad := map[string]func(*CloudTasksConfig){
		"no queue":     func(c *CloudTasksConfig) { c.Queue = "" },
		"short queue":  func(c *CloudTasksConfig) { c.Queue = "timers" },
		"no url":       func(c *CloudTasksConfig) { c.URL = "" },
		"no account":   func(c *CloudTasksConfig) { c.ServiceAccount = "" },
		"no secret":    func(c *CloudTasksConfig) { c.Secret = nil },
		"empty region": func(c *CloudTasksConfig) { c.Queue = "projects/p/locations//queues/q" },
	}
	for name, mutate := range bad {
		cfg := good
		mutate(&cfg)
		if ct, err := NewCloudTasks(context.Background(), cfg, option.WithoutAuthentication()); err == nil {
			ct.Close()
			t.Errorf("%s: NewCloudTasks accepted %+v", name, cfg)
		}
	}
}

func TestScheduleRejectsInvalidTimer(t *testing.T) {
	ct, fake := newTestCloudTasks(t, []byte("k"))
	for _, timer := range []Timer{
		{Kind: session.TimerExpire, Due: time.Now()},
		{SessionID: "c", Due: time.Now()},
		{SessionID: "c", Kind: session.TimerExpire},
	} {
		if err := ct.Schedule(context.Background(), timer); !errors.Is(err, ErrInvalidTimer) {
			t.Errorf("Schedule(%+v) = %v, want ErrInvalidTimer", timer, err)
		}
	}
	if requests, _ := fake.snapshot(); requests != 0 {
		t.Errorf("%d requests reached Cloud Tasks for invalid timers", requests)
	}
}
