package timers

import (
	"github.com/smsdesk/smsdesk/shared/session"

	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// delivery is one request the expiry endpoint received.
type delivery struct {
	at     time.Time
	timer  Timer
	err    error // from Verify
	task   string
	queue  string
	status int
}

// expiryEndpoint is an httptest expiry function that verifies and records deliveries; it answers
// 500 to the first failFirst of them.
type expiryEndpoint struct {
	secret []byte

	mu         sync.Mutex
	failFirst  int
	deliveries []delivery
	arrived    chan struct{}
}

func newExpiryEndpoint(t *testing.T, secret []byte, failFirst int) (*expiryEndpoint, *httptest.Server) {
	t.Helper()
	e := &expiryEndpoint{secret: secret, failFirst: failFirst, arrived: make(chan struct{}, 100)}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, srv
}

func (e *expiryEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := delivery{at: time.Now(), task: r.Header.Get(TaskNameHeader), queue: r.Header.Get(QueueNameHeader), status: http.StatusOK}
	d.timer, d.err = Verify(r, e.secret)
	e.mu.Lock()
	switch {
	case errors.Is(d.err, ErrUnauthenticated):
		d.status = http.StatusForbidden
	case d.err != nil:
		d.status = http.StatusBadRequest
	case e.failFirst > 0:
		e.failFirst--
		d.status = http.StatusInternalServerError
	}
	e.deliveries = append(e.deliveries, d)
	e.mu.Unlock()
	w.WriteHeader(d.status)
	e.arrived <- struct{}{}
}

func (e *expiryEndpoint) got() []delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]delivery(nil), e.deliveries...)
}

// await waits for n more deliveries.
func (e *expiryEndpoint) await(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for range n {
		select {
		case <-e.arrived:
		case <-deadline:
			t.Fatalf("expected %d deliveries within %v; got %+v", n, within, e.got())
		}
	}
}

// quiet asserts no delivery arrives for d.
func (e *expiryEndpoint) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-e.arrived:
		t.Fatalf("unexpected delivery; all: %+v", e.got())
	case <-time.After(d):
	}
}

func newTestLocal(t *testing.T, url string, secret []byte) *Local {
	t.Helper()
	l := NewLocal(url, secret, nil, nil)
	l.minBackoff = 20 * time.Millisecond
	t.Cleanup(l.Close)
	return l
}

func TestLocalDeliversAtDueTimeWithTaskHeaders(t *testing.T) {
	secret := []byte("local-secret")
	e, srv := newExpiryEndpoint(t, secret, 0)
	l := newTestLocal(t, srv.URL, secret)
	due := time.Now().Add(300 * time.Millisecond)
	timer := Timer{SessionID: "chat-7", Kind: session.TimerInactivityWarn, Generation: 5, Due: due}

	if err := l.Schedule(context.Background(), timer); err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	e.await(t, 1, 5*time.Second)
	d := e.got()[0]
	if d.at.Before(due) {
		t.Errorf("delivered at %v, %v before due", d.at, due.Sub(d.at))
	}
	if d.err != nil {
		t.Fatalf("Verify refused the delivery: %v", d.err)
	}
	if d.timer.SessionID != timer.SessionID || d.timer.Kind != timer.Kind || d.timer.Generation != timer.Generation || !d.timer.Due.Equal(due) {
		t.Errorf("delivered %+v, want %+v", d.timer, timer)
	}
	if d.task != Name(timer) || d.queue != LocalQueueName {
		t.Errorf("task headers = %q, %q; want %q, %q", d.task, d.queue, Name(timer), LocalQueueName)
	}
}

func TestLocalDuplicateScheduleDeliversOnce(t *testing.T) {
	secret := []byte("k")
	e, srv := newExpiryEndpoint(t, secret, 0)
	l := newTestLocal(t, srv.URL, secret)
	timer := Timer{SessionID: "chat-1", Kind: session.TimerQueueWait, Generation: 1, Due: time.Now().Add(50 * time.Millisecond)}

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := l.Schedule(context.Background(), timer); err != nil {
				t.Errorf("Schedule: %v", err)
			}
		})
	}
	wg.Wait()
	e.await(t, 1, 5*time.Second)
	e.quiet(t, 300*time.Millisecond)
	if n := len(e.got()); n != 1 {
		t.Fatalf("%d deliveries, want 1", n)
	}

	// A newer generation is another timer.
	timer.Generation = 2
	if err := l.Schedule(context.Background(), timer); err != nil {
		t.Fatalf("Schedule generation 2: %v", err)
	}
	e.await(t, 1, 5*time.Second)
	if got := e.got(); got[1].timer.Generation != 2 {
		t.Errorf("second delivery is generation %d, want 2", got[1].timer.Generation)
	}
}

func TestLocalRetriesAfterServerError(t *testing.T) {
	secret := []byte("k")
	e, srv := newExpiryEndpoint(t, secret, 1)
	l := newTestLocal(t, srv.URL, secret)
	timer := Timer{SessionID: "chat-1", Kind: session.TimerReplyDue, Generation: 1, Due: time.Now()}

	if err := l.Schedule(context.Background(), timer); err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	e.await(t, 2, 5*time.Second)
	e.quiet(t, 200*time.Millisecond)
	got := e.got()
	if len(got) != 2 || got[0].status != http.StatusInternalServerError || got[1].status != http.StatusOK {
		t.Fatalf("deliveries %+v, want a 500 then a 200", got)
	}
	if got[1].at.Sub(got[0].at) < l.minBackoff {
		t.Errorf("retry after %v, want at least the backoff %v", got[1].at.Sub(got[0].at), l.minBackoff)
	}
}

func TestLocalGivesUpAfterAttempts(t *testing.T) {
	secret := []byte("k")
	e, srv := newExpiryEndpoint(t, secret, 1000)
	l := newTestLocal(t, srv.URL, secret)
	l.minBackoff = time.Millisecond
	timer := Timer{SessionID: "chat-1", Kind: session.TimerExpire, Generation: 1, Due: time.Now()}

	if err := l.Schedule(context.Background(), timer); err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	e.await(t, localAttempts, 5*time.Second)
	e.quiet(t, 200*time.Millisecond)
}

func TestLocalCloseStopsPendingDeliveries(t *testing.T) {
	secret := []byte("k")
	e, srv := newExpiryEndpoint(t, secret, 0)
	l := NewLocal(srv.URL, secret, srv.Client(), nil)
	timer := Timer{SessionID: "chat-1", Kind: session.TimerExpire, Generation: 1, Due: time.Now().Add(200 * time.Millisecond)}
	if err := l.Schedule(context.Background(), timer); err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	l.Close()
	l.Close() // idempotent
	e.quiet(t, 500*time.Millisecond)
	timer.Generation = 2
	if err := l.Schedule(context.Background(), timer); !errors.Is(err, ErrClosed) {
		t.Errorf("Schedule after Close = %v, want ErrClosed", err)
	}
}

func TestLocalDeliverSimulatesDuplicate(t *testing.T) {
	secret := []byte("k")
	e, srv := newExpiryEndpoint(t, secret, 0)
	l := newTestLocal(t, srv.URL, secret)
	timer := Timer{SessionID: "chat-1", Kind: session.TimerInactivityEnd, Generation: 4, Due: time.Now()}

	if err := l.Schedule(context.Background(), timer); err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	e.await(t, 1, 5*time.Second)
	if err := l.Deliver(context.Background(), timer); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	e.await(t, 1, time.Second)
	got := e.got()
	if len(got) != 2 || got[0].task != got[1].task || got[1].err != nil || got[1].timer.Generation != 4 {
		t.Fatalf("deliveries %+v, want the same verified task twice", got)
	}

	// Deliver reports a refusal.
	other := NewLocal(srv.URL, []byte("wrong"), nil, nil)
	defer other.Close()
	if err := other.Deliver(context.Background(), timer); err == nil {
		t.Error("Deliver signed with the wrong secret succeeded; want the 403 reported")
	}
}

// TestLocalDueCountsUndeliveredTimers: a timer counts as due from its due time until its
// delivery is answered; one due later does not count yet.
func TestLocalDueCountsUndeliveredTimers(t *testing.T) {
	release, arrived := make(chan struct{}), make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	t.Cleanup(srv.Close)
	l := newTestLocal(t, srv.URL, []byte("secret"))
	now := time.Now()
	later := Timer{SessionID: "chat-2", Kind: session.TimerExpire, Generation: 1, Due: now.Add(time.Hour)}
	if err := l.Schedule(context.Background(), later); err != nil {
		t.Fatal(err)
	}
	if err := l.Schedule(context.Background(), Timer{SessionID: "chat-1", Kind: session.TimerExpire, Generation: 1, Due: now}); err != nil {
		t.Fatal(err)
	}
	<-arrived
	if n := l.Due(time.Now()); n != 1 {
		t.Errorf("while its delivery is unanswered Due = %d, want 1", n)
	}
	if n := l.Due(now.Add(2 * time.Hour)); n != 2 {
		t.Errorf("two hours on Due = %d, want 2", n)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for l.Due(time.Now()) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("a delivered timer still counts as due")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
