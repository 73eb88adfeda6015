package localrun

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"github.com/cloudevents/sdk-go/v2/event"
	"google.golang.org/api/option"
	"google.golang.org/grpc"

	"github.com/smsdesk/smsdesk/internal/localpubsub"
	"github.com/smsdesk/smsdesk/shared/app"
)

// pipeline follows the work the runner's functions hand each other, to tell when none is
// left: Pub/Sub messages published to a pushed topic and not yet handled (seen at the
// functions' Pub/Sub client and at the event functions' deliveries), event functions
// running, and timers due.
type pipeline struct {
	topics map[string]bool // full names of the pushed topics
	timers func(now time.Time) int

	mu       sync.Mutex
	pending  map[string]string // message id → topic, published and not yet handled
	attempts map[string]int    // failed deliveries by message id
	handled  map[string]bool   // ids handled before their publish was seen
	running  map[string]int    // function → deliveries being handled
	activity uint64            // counts every publish, delivery start and end
}

func newPipeline(projectID string, topics []string) *pipeline {
	p := &pipeline{topics: map[string]bool{}, pending: map[string]string{}, attempts: map[string]int{},
		handled: map[string]bool{}, running: map[string]int{}}
	for _, t := range topics {
		p.topics["projects/"+projectID+"/topics/"+t] = true
	}
	return p
}

// options install the publish counter on the functions' Pub/Sub client.
func (p *pipeline) options() []app.Option {
	return []app.Option{app.WithPubSubOptions(option.WithGRPCDialOption(grpc.WithChainUnaryInterceptor(p.intercept)))}
}

// intercept records the ids of the messages each successful Publish call put on a pushed topic.
func (p *pipeline) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	pr, isPublish := req.(*pubsubpb.PublishRequest)
	if err != nil || !isPublish || !p.topics[pr.GetTopic()] {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.activity++
	for _, id := range reply.(*pubsubpb.PublishResponse).GetMessageIds() {
		if p.handled[id] {
			delete(p.handled, id)
			continue
		}
		p.pending[id] = pr.GetTopic()
	}
	return nil
}

// track counts fn's deliveries: running while fn runs, and the message handled when fn
// succeeds (Pub/Sub then drops it) or has failed as often as Pub/Sub delivers a message
// before dead-lettering it.
func (p *pipeline) track(name string, fn func(context.Context, event.Event) error) func(context.Context, event.Event) error {
	return func(ctx context.Context, e event.Event) error {
		p.mu.Lock()
		p.activity++
		p.running[name]++
		p.mu.Unlock()
		var err error
		defer func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.activity++
			p.running[name]--
			id := e.ID()
			if err != nil {
				if p.attempts[id]++; p.attempts[id] < localpubsub.MaxDeliveryAttempts {
					return
				}
			}
			delete(p.attempts, id)
			if _, ok := p.pending[id]; ok {
				delete(p.pending, id)
			} else {
				p.handled[id] = true
			}
		}()
		err = fn(ctx, e)
		return err
	}
}

// busy says what work is left, "" for none, and the activity count.
func (p *pipeline) busy(now time.Time) (string, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var what []string
	for _, f := range slices.Sorted(maps.Keys(p.running)) {
		if n := p.running[f]; n > 0 {
			what = append(what, fmt.Sprintf("%d %s deliveries running", n, f))
		}
	}
	byTopic := map[string]int{}
	for _, t := range p.pending {
		byTopic[t[strings.LastIndex(t, "/")+1:]]++
	}
	for _, t := range slices.Sorted(maps.Keys(byTopic)) {
		what = append(what, fmt.Sprintf("%d messages on %s not handled yet", byTopic[t], t))
	}
	if p.timers == nil {
	} else if n := p.timers(now); n > 0 {
		what = append(what, fmt.Sprintf("%d timers due", n))
	}
	return strings.Join(what, ", "), p.activity
}

// Busy is what else must look quiet for WaitIdle (say, the carrier's status callbacks): what
// is at work, "" for nothing, and a count that grows whenever anything starts.
type Busy func() (what string, activity int64)

// WaitIdle waits until the pipeline is idle: no Pub/Sub message published by the functions
// to a pushed topic left unhandled, no event function running, no timer due and nothing
// others report busy, twice in a row with nothing started in between. It gives up when
// ctx ends, saying what was still at work.
func (r *Runner) WaitIdle(ctx context.Context, others ...Busy) error {
	look := func() (string, uint64) {
		what, n := r.pipeline.busy(time.Now())
		for _, o := range others {
			w, m := o()
			if w != "" {
				what = strings.TrimPrefix(what+", "+w, ", ")
			}
			n += uint64(m)
		}
		return what, n
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	last, lastN := look()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("pipeline not idle: %s: %w", last, ctx.Err())
		case <-tick.C:
		}
		what, n := look()
		if what == "" && last == "" && n == lastN {
			return nil
		}
		last, lastN = what, n
	}
}
