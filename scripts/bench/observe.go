package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smsdesk/smsdesk/shared/delivery"
	"github.com/smsdesk/smsdesk/shared/metering"
)

// smsWatch sits in front of the carrier simulator and tells when it accepted an "assigned"
// message for a consumer. The simulator stamps messages to the second only, so the time is
// taken here, as the send is answered.
type smsWatch struct {
	next http.Handler
	mu   sync.Mutex
	wait map[string]chan time.Time // consumer phone → when the message was accepted
}

func newSMSWatch(next http.Handler) *smsWatch {
	return &smsWatch{next: next, wait: map[string]chan time.Time{}}
}

// expect returns a channel that gets the time the first "assigned" message to phone is accepted.
func (w *smsWatch) expect(phone string) <-chan time.Time {
	ch := make(chan time.Time, 1)
	w.mu.Lock()
	w.wait[phone] = ch
	w.mu.Unlock()
	return ch
}

func (w *smsWatch) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Messages.json") {
		w.next.ServeHTTP(rw, r)
		return
	}
	// The simulator parses the form itself; parsing it first leaves the same values there.
	_ = r.ParseForm()
	rec := &statusRecorder{ResponseWriter: rw, status: http.StatusOK}
	w.next.ServeHTTP(rec, r)
	if rec.status != http.StatusCreated || !strings.HasPrefix(r.PostForm.Get("Body"), assignedPrefix) {
		return
	}
	at := time.Now()
	w.mu.Lock()
	ch, ok := w.wait[r.PostForm.Get("To")]
	delete(w.wait, r.PostForm.Get("To"))
	w.mu.Unlock()
	if ok {
		ch <- at
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// countAssigned checks with the simulator that every phone got exactly one "assigned" message.
func (b *bench) countAssigned() error {
	got := map[string]int{}
	for _, m := range b.sim.Sent() {
		if strings.HasPrefix(m.Body, assignedPrefix) {
			got[m.To]++
		}
	}
	for _, p := range b.phones {
		if got[p] != 1 {
			return fmt.Errorf("consumer %s got %d \"assigned\" messages, want 1", p, got[p])
		}
	}
	return nil
}

// waitDelivered waits until the chat of each phone with business holds messages to the
// consumer and every one of them has a final delivery status. It reads Firestore through the
// runner's own store, which is not metered, one chat after the other: all must finish anyway.
func (b *bench) waitDelivered(ctx context.Context, business string, phones []string) error {
	for _, p := range phones {
		for {
			done, err := b.delivered(ctx, business, p)
			if err != nil {
				return err
			}
			if done {
				break
			}
			if err := sleep(ctx, 50*time.Millisecond); err != nil {
				return fmt.Errorf("messages to %s never all delivered: %w", p, err)
			}
		}
	}
	return nil
}

func (b *bench) delivered(ctx context.Context, business, phone string) (bool, error) {
	c, err := b.runner.Store.Consumer(ctx, business, phone)
	if err != nil {
		return false, fmt.Errorf("consumer %s: %w", phone, err)
	}
	if c.ActiveSession == "" {
		return false, nil
	}
	entries, err := b.runner.Store.Transcript(ctx, c.ActiveSession)
	if err != nil {
		return false, fmt.Errorf("transcript of %s: %w", phone, err)
	}
	sent := 0
	for _, e := range entries {
		if !e.Outbound() || e.Status == "" {
			continue // not a message to the consumer
		}
		if delivery.Rank(e.Status) < delivery.Rank("delivered") {
			return false, nil
		}
		sent++
	}
	return sent > 0, nil
}

// settle waits until the meter stops moving, after waitDelivered: redeliveries and any other
// tail of the phase's work are done. The quiet time outlasts the emulator's 1 s wait before it
// pushes a message again after a failed delivery. It gives up (and says so) after a minute.
func (b *bench) settle(ctx context.Context, log *slog.Logger) metering.Counts {
	const quiet, step = 1500 * time.Millisecond, 50 * time.Millisecond
	last, since := b.meter.Snapshot(), time.Now()
	deadline := time.Now().Add(time.Minute)
	for time.Since(since) < quiet {
		if time.Now().After(deadline) {
			log.Warn("Firestore and Pub/Sub traffic did not stop; counts include the tail", "counts", last)
			return last
		}
		select {
		case <-ctx.Done():
			return last
		case <-time.After(step):
		}
		if now := b.meter.Snapshot(); now != last {
			last, since = now, time.Now()
		}
	}
	return last
}

// progress logs every 10 s how many of n consumers are done, until stop is called.
func progress(ctx context.Context, log *slog.Logger, phase string, n int, done *atomic.Int64) (stop func()) {
	ctx, stop = context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				log.Info("in progress", "phase", phase, "done", done.Load(), "of", n)
			}
		}
	}()
	return stop
}

// forEach runs fn for 0..n-1 concurrently. The first error cancels the others' context and is
// returned.
func forEach(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for i := range n {
		wg.Go(func() {
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		})
	}
	wg.Wait()
	return first
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
