package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
)

// scenario is one fault, run mid-load; it returns when the fault is over.
type scenario struct {
	name string
	run  func(ctx context.Context, l *load) (window, error)
}

// window is when a fault lasted.
type window struct{ start, end time.Time }

var scenarios = map[string]func(ctx context.Context, l *load) (window, error){
	"firestore-stall": func(ctx context.Context, l *load) (window, error) {
		return stallGroup(ctx, l.f.firestorePGID, "-firestore-pgid", 20*time.Second)
	},
	"pubsub-stall": func(ctx context.Context, l *load) (window, error) {
		return stallGroup(ctx, l.f.pubsubPGID, "-pubsub-pgid", 20*time.Second)
	},
	// kill: SIGKILL the functions' process and start it again on the same port and project.
	"kill": func(ctx context.Context, l *load) (window, error) {
		w := window{start: time.Now()}
		if err := l.stack.kill(); err != nil {
			return w, err
		}
		err := l.stack.start(ctx)
		w.end = time.Now()
		return w, err
	},
	"carrier-429": func(ctx context.Context, l *load) (window, error) {
		return carrierFails(ctx, l, time.Minute, http.StatusTooManyRequests, 20429)
	},
	"carrier-500": func(ctx context.Context, l *load) (window, error) {
		return carrierFails(ctx, l, time.Minute, http.StatusInternalServerError, 20500)
	},
	// carrier-silent: sends are taken in but never answered.
	"carrier-silent": func(ctx context.Context, l *load) (window, error) {
		w := window{start: time.Now()}
		l.sim.FailFor(20*time.Second, 0, 0, true)
		err := sleep(ctx, 20*time.Second)
		w.end = time.Now()
		return w, err
	},
	// carrier-html: a load balancer's HTML error pages, 502 then 503, 30 s each.
	"carrier-html": func(ctx context.Context, l *load) (window, error) {
		w := window{start: time.Now()}
		l.sim.FailFor(30*time.Second, http.StatusBadGateway, 0, false)
		err := sleep(ctx, 30*time.Second)
		if err == nil {
			l.sim.FailFor(30*time.Second, http.StatusServiceUnavailable, 0, false)
			err = sleep(ctx, 30*time.Second)
		}
		w.end = time.Now()
		return w, err
	},
	// dup-webhooks: for a minute every inbound webhook is delivered twice, the second copy
	// after the consumer's next text, and every status callback twice, newest first.
	"dup-webhooks": func(ctx context.Context, l *load) (window, error) {
		w := window{start: time.Now()}
		l.dupWebhooks.Store(true)
		l.sim.DisorderCallbacks(true)
		err := sleep(ctx, time.Minute)
		l.dupWebhooks.Store(false)
		l.sim.DisorderCallbacks(false)
		w.end = time.Now()
		return w, err
	},
	"redeliver": redeliver,
}

func faultNames() string {
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func scenarioFor(f flags) (*scenario, error) {
	if f.fault == "" {
		return nil, nil
	}
	run, ok := scenarios[f.fault]
	if !ok {
		return nil, fmt.Errorf("-fault %q: want one of %s", f.fault, faultNames())
	}
	return &scenario{name: f.fault, run: run}, nil
}

// stallGroup freezes an emulator (its whole process group: gcloud's wrapper and the JVM) for d.
func stallGroup(ctx context.Context, pgid int, flagName string, d time.Duration) (window, error) {
	w := window{start: time.Now()}
	if pgid <= 0 {
		return w, fmt.Errorf("%s must name the emulator's process group (scripts/load.sh sets it)", flagName)
	}
	if err := syscall.Kill(-pgid, syscall.SIGSTOP); err != nil {
		return w, fmt.Errorf("SIGSTOP process group %d: %w", pgid, err)
	}
	err := sleep(ctx, d)
	if cerr := syscall.Kill(-pgid, syscall.SIGCONT); cerr != nil {
		return w, fmt.Errorf("SIGCONT process group %d: %w", pgid, cerr)
	}
	w.end = time.Now()
	return w, err
}

func carrierFails(ctx context.Context, l *load, d time.Duration, status, code int) (window, error) {
	w := window{start: time.Now()}
	l.sim.FailFor(d, status, code, false)
	err := sleep(ctx, d)
	w.end = time.Now()
	return w, err
}

// redeliver has Pub/Sub deliver again, for a minute, every message published on the inbound
// and outbound topics: a pull subscription on each copies every message back onto its topic
// with the same data, attributes and ordering key, as a redelivery after a lost ack would.
func redeliver(ctx context.Context, l *load) (window, error) {
	w := window{start: time.Now()}
	ps, err := pubsub.NewClient(ctx, l.stack.project)
	if err != nil {
		return w, fmt.Errorf("pubsub emulator: %w", err)
	}
	defer ps.Close()
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	errc := make(chan error, 2)
	for _, topic := range []string{"sms-inbound", "sms-outbound"} {
		go func() { errc <- copyBack(rctx, l, ps, topic) }()
	}
	for range 2 {
		if err := <-errc; err != nil && rctx.Err() == nil {
			return w, err
		}
	}
	w.end = time.Now()
	return w, ctx.Err()
}

func copyBack(ctx context.Context, l *load, ps *pubsub.Client, topic string) error {
	tp := "projects/" + l.stack.project + "/topics/" + topic
	sub := "projects/" + l.stack.project + "/subscriptions/load-redeliver-" + topic
	_, err := ps.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{Name: sub, Topic: tp, EnableMessageOrdering: true})
	if err != nil {
		return fmt.Errorf("create %s: %w", sub, err)
	}
	pub := ps.Publisher(tp)
	pub.EnableMessageOrdering = true
	defer pub.Stop()
	copies := map[string]bool{} // ids of our copies, which come back on the subscription too
	mu := make(chan struct{}, 1)
	mu <- struct{}{}
	err = ps.Subscriber(sub).Receive(ctx, func(ctx context.Context, m *pubsub.Message) {
		m.Ack()
		// One at a time: a copy is received only once its id is known.
		<-mu
		defer func() { mu <- struct{}{} }()
		if copies[m.ID] {
			return
		}
		id, err := pub.Publish(ctx, &pubsub.Message{Data: m.Data, Attributes: m.Attributes, OrderingKey: m.OrderingKey}).Get(ctx)
		if err != nil {
			pub.ResumePublish(m.OrderingKey)
			return
		}
		copies[id] = true
		l.redelivered.Add(1)
	})
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
