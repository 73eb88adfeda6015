package main

// The floors of mode texts: what the emulators and clients cost at best for what a text
// does, measured in the same run, on the same emulators and at the same concurrency (N =
// -conversations operations at once) as the phases they are compared with (targets.go):
//
//	publish                  one ordered publish onto a bench topic (the app's publisher
//	                         settings, the real Pub/Sub client);
//	create + publish         one Firestore create, then one ordered publish: what a webhook
//	                         acknowledgement costs at best;
//	publish → transaction    one ordered publish, delivered as the functions' topics are
//	                         (floors.delivery) to a CloudEvent function served by the runner's
//	                         Functions Framework, which runs one Firestore transaction: what
//	                         "text → stored" costs at best. The time is taken as the
//	                         transaction commits, as the phases take a text's from the
//	                         creation time of the receipt its commit wrote.
//
// Each floor runs one unmeasured round of N first, as the app's clients were warmed up.

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/cloudevents/sdk-go/v2/event"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/smsdesk/smsdesk/internal/localpubsub"
	"github.com/smsdesk/smsdesk/scripts/localrun"
	"github.com/smsdesk/smsdesk/shared/bus"
)

const (
	floorPublishTopic = "bench-floor-publish" // published to, never delivered
	floorDeliverTopic = "bench-floor-deliver" // delivered to floorFunction
	floorFunction     = "benchfloor"
	floorCollection   = "benchFloors"
	// floorWait bounds the floors: a delivery never committed fails the run.
	floorWait = 2 * time.Minute
)

// floorsMs are the floors' latency distributions.
type floorsMs struct {
	Publish            summary `json:"publish"`
	CreateAndPublish   summary `json:"firestoreCreateAndPublish"`
	PublishTransaction summary `json:"publishDeliveryTransaction"`
}

// floors measures the floors with its own, unmetered, clients.
type floors struct {
	project string
	ps      *pubsub.Client
	pub     *bus.Publisher
	fs      *firestore.Client
	log     *slog.Logger

	mu        sync.Mutex
	committed map[string]chan time.Time // message id → when its transaction committed
}

// newFloors builds the floors' clients and registers floorFunction with the Functions
// Framework. It must run before localrun.Start, which serves what is registered then.
func newFloors(ctx context.Context, project string, log *slog.Logger) (*floors, error) {
	ps, err := localpubsub.NewClient(ctx, project)
	if err != nil {
		return nil, fmt.Errorf("floors: pubsub emulator: %w", err)
	}
	fs, err := firestore.NewClient(ctx, project)
	if err != nil {
		ps.Close()
		return nil, fmt.Errorf("floors: firestore emulator: %w", err)
	}
	fl := &floors{project: project, ps: ps, pub: bus.NewPublisher(ps).FoldKeys(localrun.OrderingKeys), fs: fs, log: log, committed: map[string]chan time.Time{}}
	if err := funcframework.RegisterCloudEventFunctionContext(ctx, "/"+floorFunction+"/", fl.handle); err != nil {
		fl.close()
		return nil, fmt.Errorf("floors: register %s: %w", floorFunction, err)
	}
	return fl, nil
}

func (fl *floors) close() {
	fl.pub.Stop()
	fl.ps.Close()
	fl.fs.Close()
}

// floorMessage is what the floors publish: an id of the bench's own, which names the
// document the message is about.
type floorMessage struct {
	ID string `json:"id"`
}

// handle is floorFunction: one Firestore transaction (read the message's document, write
// it) per delivered message, the commit time handed to whoever waits for that message.
func (fl *floors) handle(ctx context.Context, e event.Event) error {
	var m floorMessage
	if _, err := bus.Decode(e.Data(), &m); err != nil {
		fl.log.ErrorContext(ctx, "floor: undecodable message dropped", "err", err)
		return nil
	}
	fl.mu.Lock()
	_, ok := fl.committed[m.ID]
	fl.mu.Unlock()
	if !ok {
		// Only ids the bench is waiting for become document ids; a redelivery after the
		// commit was taken lands here too.
		fl.log.WarnContext(ctx, "floor: message no one waits for dropped", "id", m.ID)
		return nil
	}
	ref := fl.fs.Collection(floorCollection).Doc(m.ID)
	err := fl.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		n := int64(0)
		snap, err := tx.Get(ref)
		switch {
		case err == nil:
			if v, ok := snap.Data()["n"].(int64); ok {
				n = v
			}
		case status.Code(err) != codes.NotFound:
			return err
		}
		return tx.Set(ref, map[string]any{"n": n + 1, "at": firestore.ServerTimestamp})
	})
	if err != nil {
		return fmt.Errorf("floor %s: transaction: %w", m.ID, err)
	}
	at := time.Now()
	// The first commit of a message is its time; a redelivery running at once finds it taken.
	fl.mu.Lock()
	ch, ok := fl.committed[m.ID]
	delete(fl.committed, m.ID)
	fl.mu.Unlock()
	if ok {
		ch <- at
	}
	return nil
}

// measure runs the three floors with n operations at once each.
func (fl *floors) measure(ctx context.Context, log *slog.Logger, baseURL string, n int) (floorsMs, error) {
	ctx, cancel := context.WithTimeout(ctx, floorWait)
	defer cancel()
	var res floorsMs
	if _, err := fl.ps.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: fl.topicPath(floorPublishTopic)}); err != nil && status.Code(err) != codes.AlreadyExists {
		return res, fmt.Errorf("floors: create topic %s: %w", floorPublishTopic, err)
	}
	// Endpoints of Pub/Sub push deliveries name their topic in the path, as the Functions
	// Framework expects; localrun.Start's routes are the same.
	stop, err := fl.delivery(ctx, floorDeliverTopic, baseURL+"/"+floorFunction+"/"+fl.topicPath(floorDeliverTopic))
	if err != nil {
		return res, err
	}
	defer stop()

	log.Info("floors", "concurrent", n)
	for _, f := range []struct {
		name, prefix string
		op           func(ctx context.Context, id, orderingKey string) (time.Duration, error)
		out          *summary
	}{
		{"publish", "p", fl.publish, &res.Publish},
		{"create + publish", "c", fl.createAndPublish, &res.CreateAndPublish},
		{"publish → delivery → transaction", "t", fl.publishTransaction, &res.PublishTransaction},
	} {
		var ds []time.Duration
		for round := range 2 { // round 0 warms the clients and the path up
			ds = make([]time.Duration, n)
			err := forEach(ctx, n, func(ctx context.Context, i int) error {
				// Operation i has the same ordering key in every round and floor, as each
				// consumer has in every phase: the emulator keeps a thread per key it saw.
				d, err := f.op(ctx, fmt.Sprintf("%s%d-%d", f.prefix, round, i), fmt.Sprintf("floor-%d", i))
				ds[i] = d
				return err
			})
			if err != nil {
				return res, fmt.Errorf("floor %s: %w", f.name, err)
			}
		}
		*f.out = summarize(ds)
	}
	return res, nil
}

func (fl *floors) topicPath(topic string) string {
	return fmt.Sprintf("projects/%s/topics/%s", fl.project, topic)
}

func (fl *floors) publish(ctx context.Context, id, orderingKey string) (time.Duration, error) {
	t0 := time.Now()
	err := fl.pub.Publish(ctx, floorPublishTopic, orderingKey, floorMessage{ID: id})
	return time.Since(t0), err
}

func (fl *floors) createAndPublish(ctx context.Context, id, orderingKey string) (time.Duration, error) {
	t0 := time.Now()
	if _, err := fl.fs.Collection(floorCollection).Doc(id).Create(ctx, map[string]any{"id": id, "at": firestore.ServerTimestamp}); err != nil {
		return 0, fmt.Errorf("create %s: %w", id, err)
	}
	err := fl.pub.Publish(ctx, floorPublishTopic, orderingKey, floorMessage{ID: id})
	return time.Since(t0), err
}

func (fl *floors) publishTransaction(ctx context.Context, id, orderingKey string) (time.Duration, error) {
	ch := make(chan time.Time, 1)
	fl.mu.Lock()
	fl.committed[id] = ch
	fl.mu.Unlock()
	t0 := time.Now()
	if err := fl.pub.Publish(ctx, floorDeliverTopic, orderingKey, floorMessage{ID: id}); err != nil {
		return 0, err
	}
	select {
	case at := <-ch:
		return at.Sub(t0), nil
	case <-ctx.Done():
		return 0, fmt.Errorf("message %s never committed: %w", id, context.Cause(ctx))
	}
}

// delivery delivers topic to endpoint the way the local runner delivers the functions'
// topics, until stop is called: an ordered subscription pulled by localpubsub's Deliverer,
// with the conversation function's concurrency in the cloud, since floor 3 stands for the
// deliveries of texts to it.
func (fl *floors) delivery(ctx context.Context, topic, endpoint string) (stop func(), err error) {
	route := localpubsub.Route{Topic: topic, Function: floorFunction, Endpoint: endpoint,
		Concurrency: localpubsub.CloudConcurrency("conversation")}
	if err := localpubsub.Provision(ctx, fl.ps, fl.project, []localpubsub.Route{route}); err != nil {
		return nil, fmt.Errorf("floors: deliver %s: %w", topic, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		d := &localpubsub.Deliverer{Client: fl.ps, Project: fl.project, Log: fl.log}
		done <- d.Run(ctx, []localpubsub.Route{route})
	}()
	return func() {
		cancel()
		if err := <-done; err != nil {
			fl.log.Warn("floors: delivery stopped", "topic", topic, "err", err)
		}
	}, nil
}
