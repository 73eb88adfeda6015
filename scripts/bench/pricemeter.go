package main

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/smsdesk/smsdesk"
	"github.com/smsdesk/smsdesk/scripts/localrun"
	"github.com/smsdesk/smsdesk/shared/metering"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/timers"
)

// invocationMeter counts each function's invocations and their handlers' time, told by
// smsdesk.Observe.
type invocationMeter struct {
	mu sync.Mutex
	by map[string]invocations
}

func (m *invocationMeter) observe(function string, took time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.by == nil {
		m.by = map[string]invocations{}
	}
	x := m.by[function]
	x.Requests++
	x.HandlerSeconds += took.Seconds()
	x.BilledSeconds += billedSeconds(took)
	m.by[function] = x
}

func (m *invocationMeter) snapshot() map[string]invocations {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.by)
}

// timerMeter counts the timers the functions schedule, where Cloud Tasks would get a create
// call each, and keeps each distinct timer (by task name) until it is delivered.
type timerMeter struct {
	mu      sync.Mutex
	created int64
	byKind  map[string]int64 // created, by timer kind
	seen    map[string]bool
	pending []session.Timer
}

// schedule is the app's TimerScheduler.Drop hook: it drops nothing.
func (m *timerMeter) schedule(t session.Timer) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.created++
	if m.seen == nil {
		m.seen, m.byKind = map[string]bool{}, map[string]int64{}
	}
	m.byKind[t.Kind]++
	if name := timers.Name(t); !m.seen[name] {
		m.seen[name] = true
		m.pending = append(m.pending, t)
	}
	return false
}

func (m *timerMeter) createdSoFar() (int64, map[string]int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.created, maps.Clone(m.byKind)
}

// take returns the timers not delivered yet and forgets them.
func (m *timerMeter) take() []session.Timer {
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.pending
	m.pending = nil
	return ts
}

// priceMeters are every meter of mode price.
type priceMeters struct {
	calls  invocationMeter
	timers timerMeter
	// delivered counts the timers delivered by deliverTimers.
	delivered int64
}

// priceSnapshot is every meter at one moment.
type priceSnapshot struct {
	counts    metering.Counts
	billing   metering.Billing
	calls     map[string]invocations
	created   int64
	byKind    map[string]int64
	delivered int64
}

// install hooks the meters into the running functions. The system must be idle: the timer
// hook is a plain field the functions read.
func (b *bench) installPriceMeters(ctx context.Context, m *priceMeters) error {
	if err := b.waitQuiet(ctx); err != nil {
		return err
	}
	b.runner.App.Timers.Drop = m.timers.schedule
	smsdesk.Observe(m.calls.observe)
	return nil
}

func (b *bench) priceSnapshot(m *priceMeters) priceSnapshot {
	s := priceSnapshot{counts: b.meter.Snapshot(), billing: b.meter.Billed(), calls: m.calls.snapshot(), delivered: m.delivered}
	s.created, s.byKind = m.timers.createdSoFar()
	return s
}

// usageBetween is what was used from s to e.
func usageBetween(s, e priceSnapshot) usage {
	var u usage
	c, bl := e.counts.Sub(s.counts), e.billing.Sub(s.billing)
	u.Firestore.Reads, u.Firestore.Writes, u.Firestore.Deletes = c.Reads, c.Writes-bl.Deletes, bl.Deletes
	u.PubSub.Publishes, u.PubSub.PublishRequests = c.Publishes, bl.PublishRequests
	u.PubSub.PublishBytes, u.PubSub.BilledPublishBytes = bl.PublishBytes, bl.BilledPublishBytes
	u.Functions = subInvocations(e.calls, s.calls)
	for _, fn := range []string{"conversation", "sender", "bulk", "crmsync"} { // the push subscriptions' functions
		u.PubSub.Deliveries += u.Functions[fn].Requests
	}
	u.PubSub.BilledDeliveryBytes = deliveryBytes(u.PubSub.Deliveries, c.Publishes, bl.PublishBytes, metering.MinBilledBytes)
	u.Tasks.Created, u.Tasks.Delivered = e.created-s.created, e.delivered-s.delivered
	for kind, n := range e.byKind {
		if d := n - s.byKind[kind]; d > 0 {
			if u.Tasks.ByKind == nil {
				u.Tasks.ByKind = map[string]int64{}
			}
			u.Tasks.ByKind[kind] = d
		}
	}
	return u
}

// timerDeliveries is how many timers deliverTimers delivers at once.
const timerDeliveries = 2

// deliverTimers delivers every timer scheduled and not delivered yet, now, as Cloud Tasks
// would at its due time: the chats they are for have ended, so each finds its chat changed and
// does nothing, which is what their deliveries cost.
func (b *bench) deliverTimers(ctx context.Context, m *priceMeters) error {
	ts := m.timers.take()
	if len(ts) == 0 {
		return nil
	}
	l := timers.NewLocal(b.runner.BaseURL+"/expiry", b.runner.App.Timers.Secret, b.http, nil)
	defer l.Close()
	// A few at a time, as timers due apart arrive: all at once, the handlers' wall times
	// would measure the machine's queue.
	slots := make(chan struct{}, timerDeliveries)
	err := forEach(ctx, len(ts), func(ctx context.Context, i int) error {
		slots <- struct{}{}
		defer func() { <-slots }()
		if err := l.Deliver(ctx, ts[i]); err != nil {
			return fmt.Errorf("deliver timer %s: %w", timers.Name(ts[i]), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	m.delivered += int64(len(ts))
	return b.waitQuiet(ctx)
}

// waitQuiet waits until the functions have nothing left to do and the carrier no status
// callback left to post.
func (b *bench) waitQuiet(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	carrier := localrun.Busy(func() (string, int64) {
		pending, started := b.sim.Callbacks()
		if pending > 0 {
			return fmt.Sprintf("status callbacks of %d messages to come", pending), started
		}
		return "", started
	})
	return b.runner.WaitIdle(ctx, carrier)
}
