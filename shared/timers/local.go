package timers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// LocalQueueName is the queue name Local reports in X-CloudTasks-QueueName.
const LocalQueueName = "smsdesk-timers-local"

// ErrClosed reports a Schedule on a Local that was closed.
var ErrClosed = errors.New("timer scheduler closed")

// Delivery policy of Local, after Cloud Tasks' defaults scaled down for a local run.
const (
	localAttempts   = 5
	localMinBackoff = 100 * time.Millisecond
	localMaxBackoff = 5 * time.Second
	localTimeout    = time.Minute
)

// Local delivers timers in-process, for the local runner and tests, the way Cloud Tasks would:
// at Due it POSTs the signed timer to URL with the Cloud Tasks headers, retries with backoff on
// a non-2xx answer or a failed request, and ignores a second Schedule of the same Name. It is
// safe for concurrent use. Pending timers live in memory only and are lost with the process.
type Local struct {
	url        string
	secret     []byte
	client     *http.Client
	log        *slog.Logger
	attempts   int
	minBackoff time.Duration

	// stop cancels every pending delivery; done is its context. It is kept in the struct
	// because it spans the Local's lifetime, not one call.
	done context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	seen    map[string]bool      // names ever scheduled
	pending map[string]time.Time // names not yet delivered (or given up), with their due time
}

// NewLocal returns a Local that delivers to url, signing with secret. A nil client gets one with
// a one-minute timeout; a nil log discards.
func NewLocal(url string, secret []byte, client *http.Client, log *slog.Logger) *Local {
	if client == nil {
		client = &http.Client{Timeout: localTimeout}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	done, stop := context.WithCancel(context.Background())
	return &Local{
		url:        url,
		secret:     bytes.Clone(secret),
		client:     client,
		log:        log,
		attempts:   localAttempts,
		minBackoff: localMinBackoff,
		done:       done,
		stop:       stop,
		seen:       make(map[string]bool),
		pending:    make(map[string]time.Time),
	}
}

// Schedule arranges for t to be delivered at t.Due (at once if Due has passed). It returns
// without waiting; ctx bounds only the call, not the delivery, which Close stops. A timer whose
// Name was scheduled before is ignored.
func (l *Local) Schedule(ctx context.Context, t Timer) error {
	if err := validate(t); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("schedule timer %s: %w", Name(t), err)
	}
	name := Name(t)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("schedule timer %s: %w", name, ErrClosed)
	}
	if l.seen[name] {
		l.log.DebugContext(ctx, "timer already scheduled", "task", name)
		return nil
	}
	l.seen[name] = true
	l.pending[name] = t.Due
	l.wg.Add(1)
	go l.run(t, name)
	return nil
}

// run waits for t's due time and delivers it, retrying with doubling backoff.
func (l *Local) run(t Timer, name string) {
	defer l.wg.Done()
	defer func() {
		l.mu.Lock()
		delete(l.pending, name)
		l.mu.Unlock()
	}()
	if !l.sleep(time.Until(t.Due)) {
		return
	}
	backoff := l.minBackoff
	for attempt := 1; ; attempt++ {
		err := l.deliver(l.done, t, name, attempt)
		if err == nil {
			return
		}
		if l.done.Err() != nil {
			return
		}
		if attempt >= l.attempts {
			l.log.Error("timer delivery failed, giving up", "task", name, "attempts", attempt, "err", err)
			return
		}
		l.log.Warn("timer delivery failed, will retry", "task", name, "attempt", attempt, "backoff", backoff, "err", err)
		if !l.sleep(backoff) {
			return
		}
		backoff = min(2*backoff, localMaxBackoff)
	}
}

// Due counts the timers due by now that are not delivered yet: waiting to be sent, being
// delivered, or between retries. Timers due later are not counted; one given up on is not
// either.
func (l *Local) Due(now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, due := range l.pending {
		if !due.After(now) {
			n++
		}
	}
	return n
}

// sleep waits d and reports whether the Local is still open.
func (l *Local) sleep(d time.Duration) bool {
	if d <= 0 {
		return l.done.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-l.done.Done():
		return false
	}
}

// Deliver delivers t once, now, whether or not it was scheduled, as a duplicate delivery by
// Cloud Tasks would. It fails on a non-2xx answer.
func (l *Local) Deliver(ctx context.Context, t Timer) error {
	return l.deliver(ctx, t, Name(t), 1)
}

// deliver POSTs t as attempt number attempt (from 1).
func (l *Local) deliver(ctx context.Context, t Timer, name string, attempt int) error {
	body, sig, err := encode(l.secret, t)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("deliver timer %s to %s: %w", name, l.url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, sig)
	req.Header.Set(TaskNameHeader, name)
	req.Header.Set(QueueNameHeader, LocalQueueName)
	req.Header.Set(RetryCountHeader, strconv.Itoa(attempt-1))
	req.Header.Set(ExecutionCountHeader, strconv.Itoa(attempt-1))
	req.Header.Set(ETAHeader, strconv.FormatFloat(float64(t.Due.UnixMicro())/1e6, 'f', 6, 64))
	resp, err := l.client.Do(req)
	if err != nil {
		return fmt.Errorf("deliver timer %s to %s: %w", name, l.url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("deliver timer %s to %s: answered %s", name, l.url, resp.Status)
	}
	l.log.Debug("timer delivered", "task", name, "attempt", attempt)
	return nil
}

// Close stops pending deliveries, cancels those in flight and waits for them to end. Schedule
// fails after Close. Close is idempotent.
func (l *Local) Close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.stop()
	l.wg.Wait()
}
