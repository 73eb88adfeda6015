package live_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/live"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// memWatcher is an in-memory Watcher: its listeners report one chat as listening begins,
// then what the test sends.
type memWatcher struct {
	mu      sync.Mutex
	chats   func(store.ChatChange)
	agents  func(store.AgentUpdate)
	starts  int
	stopped chan struct{}
}

func newMemWatcher() *memWatcher { return &memWatcher{stopped: make(chan struct{}, 10)} }

func (m *memWatcher) WatchChats(ctx context.Context, since time.Time, fn func(store.ChatChange)) error {
	m.mu.Lock()
	m.chats = fn
	m.starts++
	m.mu.Unlock()
	fn(store.ChatChange{Kind: store.Added, Chat: session.Session{ID: "already-there", AgentID: "ana", State: session.Assigned}})
	fn(store.ChatChange{Kind: store.Synced})
	<-ctx.Done()
	m.stopped <- struct{}{}
	return nil
}

func (m *memWatcher) WatchAgents(ctx context.Context, fn func(store.AgentUpdate)) error {
	m.mu.Lock()
	m.agents = fn
	m.mu.Unlock()
	fn(store.AgentUpdate{Kind: store.Synced})
	<-ctx.Done()
	return nil
}

// chat reports a change of a chat held by agentID, with seq.
func (m *memWatcher) chat(id, agentID string, seq int) {
	m.mu.Lock()
	fn := m.chats
	m.mu.Unlock()
	fn(store.ChatChange{Kind: store.Modified, Chat: session.Session{ID: id, AgentID: agentID, State: session.Assigned, Seq: seq}})
}

func (m *memWatcher) removed(id, agentID string) {
	m.mu.Lock()
	fn := m.chats
	m.mu.Unlock()
	fn(store.ChatChange{Kind: store.Removed, Chat: session.Session{ID: id, AgentID: agentID, State: session.Assigned}})
}

func (m *memWatcher) agent(id, status string) {
	m.mu.Lock()
	fn := m.agents
	m.mu.Unlock()
	fn(store.AgentUpdate{Kind: store.Modified, Agent: agent.Agent{ID: id, Status: status}})
}

func newHub(w live.Watcher) *live.Hub {
	return live.NewHub(w, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func heldBy(id string) func(live.Change) bool {
	return func(c live.Change) bool { return c.Kind == live.KindChat && c.Chat.AgentID == id }
}

func subscribe(t *testing.T, ctx context.Context, h *live.Hub, after string, filter func(live.Change) bool) <-chan live.Change {
	t.Helper()
	ch, err := h.Subscribe(ctx, after, filter)
	if err != nil {
		t.Fatalf("Subscribe(%q) = %v", after, err)
	}
	return ch
}

// next returns the next change on ch, failing after 5 s.
func next(t *testing.T, ch <-chan live.Change) live.Change {
	t.Helper()
	select {
	case c, ok := <-ch:
		if !ok {
			t.Fatal("the subscription closed")
		}
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no change came")
	}
	return live.Change{}
}

// expect reads changes from ch and checks their kinds and chats' seqs ("ready", "reset", or a
// chat's seq as "chat:N").
func expect(t *testing.T, ch <-chan live.Change, want ...string) []live.Change {
	t.Helper()
	var got []live.Change
	for _, w := range want {
		c := next(t, ch)
		got = append(got, c)
		desc := c.Kind
		if c.Kind == live.KindChat {
			desc = "chat:" + itoa(c.Chat.Seq)
		}
		if desc != w {
			t.Fatalf("change %d = %s (%+v), want %s", len(got), desc, c, w)
		}
	}
	return got
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestHubFansOutByFilter: each subscriber gets the changes its filter takes, after a ready,
// and none of the listener's first snapshot; a chat that left the watched set is ended.
func TestHubFansOutByFilter(t *testing.T) {
	w := newMemWatcher()
	h := newHub(w)
	ctx := testCtx(t)
	ana := subscribe(t, ctx, h, "", heldBy("ana"))
	luis := subscribe(t, ctx, h, "", heldBy("luis"))
	sup := subscribe(t, ctx, h, "", func(c live.Change) bool { return c.Kind == live.KindAgent })
	for _, ch := range []<-chan live.Change{ana, luis, sup} {
		expect(t, ch, "ready")
	}
	w.chat("c1", "ana", 1)
	w.chat("c2", "luis", 7)
	w.agent("ana", agent.Available)
	w.removed("c1", "ana")
	got := expect(t, ana, "chat:01", "chat:00")
	if got[0].Chat.ID != "c1" || got[1].Chat.State != session.Ended {
		t.Errorf("ana got %+v; want c1, then c1 ended", got)
	}
	if c := expect(t, luis, "chat:07")[0]; c.Chat.ID != "c2" {
		t.Errorf("luis got %+v", c)
	}
	if c := expect(t, sup, "agent")[0]; c.Agent.Status != agent.Available {
		t.Errorf("supervisor got %+v", c)
	}
	// Nothing else is waiting for luis: his next change is his own next line.
	w.chat("c2", "luis", 8)
	expect(t, luis, "chat:08")
}

// TestHubResumesExactlyOnce: a subscriber coming back with the id of the last change it got
// receives every later change once, in order, then the live ones.
func TestHubResumesExactlyOnce(t *testing.T) {
	w := newMemWatcher()
	h := newHub(w)
	ctx := testCtx(t)
	keep := subscribe(t, ctx, h, "", heldBy("nobody")) // keeps the listeners running
	expect(t, keep, "ready")
	first, gone := context.WithCancel(ctx)
	ch := subscribe(t, first, h, "", heldBy("ana"))
	expect(t, ch, "ready")
	w.chat("c1", "ana", 1)
	w.chat("c1", "ana", 2)
	last := expect(t, ch, "chat:01", "chat:02")[1].ID
	gone()
	w.chat("c1", "ana", 3)
	w.chat("other", "luis", 1)
	w.chat("c1", "ana", 4)
	again := subscribe(t, ctx, h, last, heldBy("ana"))
	if r := expect(t, again, "ready", "chat:03", "chat:04")[0]; r.ID != last {
		t.Errorf("ready after a resume has id %q, want the resumed %q", r.ID, last)
	}
	w.chat("c1", "ana", 5)
	expect(t, again, "chat:05")
}

// TestHubResetsWhatItCannotResume: an id of another instance, a malformed one and one older
// than the ring get a reset first, then the changes as they come.
func TestHubResetsWhatItCannotResume(t *testing.T) {
	w := newMemWatcher()
	h := newHub(w)
	h.Ring = 2
	ctx := testCtx(t)
	ch := subscribe(t, ctx, h, "", heldBy("ana"))
	expect(t, ch, "ready")
	w.chat("c1", "ana", 1)
	old := expect(t, ch, "chat:01")[0].ID
	for i := 2; i <= 4; i++ {
		w.chat("c1", "ana", i)
	}
	expect(t, ch, "chat:02", "chat:03", "chat:04")
	for _, after := range []string{"0badcafe.1-3", "garbage", old} {
		sub, cancel := context.WithCancel(ctx)
		got := expect(t, subscribe(t, sub, h, after, heldBy("ana")), "reset")[0]
		if got.ID == "" {
			t.Errorf("reset for %q has no id to resume from", after)
		}
		cancel()
	}
}

// TestHubResetsASlowSubscriber: a subscriber that leaves more than Buffer changes unread gets
// a reset instead of its backlog, and the others get every change without waiting for it.
func TestHubResetsASlowSubscriber(t *testing.T) {
	w := newMemWatcher()
	h := newHub(w)
	h.Buffer = 2
	ctx := testCtx(t)
	slow := subscribe(t, ctx, h, "", heldBy("ana"))
	fast := subscribe(t, ctx, h, "", heldBy("ana"))
	expect(t, fast, "ready")
	for i := 1; i <= 6; i++ {
		w.chat("c1", "ana", i) // would block here if a full subscriber held the hub up
		expect(t, fast, "chat:"+itoa(i))
	}
	// Its backlog went for a reset; what comes next reaches it again.
	got := expect(t, slow, "reset")
	if got[0].ID == "" {
		t.Error("the reset has no id")
	}
	w.chat("c1", "ana", 7)
	expect(t, slow, "chat:07")
	expect(t, fast, "chat:07")
}

// TestHubStopsAfterTheLastSubscriber: the listeners stop Idle after the last subscriber
// left, and a new subscriber starts them again; an id of the earlier run is reset.
func TestHubStopsAfterTheLastSubscriber(t *testing.T) {
	w := newMemWatcher()
	h := newHub(w)
	h.Idle = 50 * time.Millisecond
	ctx := testCtx(t)
	sub, leave := context.WithCancel(ctx)
	ch := subscribe(t, sub, h, "", heldBy("ana"))
	expect(t, ch, "ready")
	w.chat("c1", "ana", 1)
	id := expect(t, ch, "chat:01")[0].ID
	leave()
	select {
	case <-w.stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the listeners kept running with no subscriber")
	}
	again := subscribe(t, ctx, h, id, heldBy("ana"))
	expect(t, again, "reset")
	w.mu.Lock()
	starts := w.starts
	w.mu.Unlock()
	if starts != 2 {
		t.Errorf("listeners started %d times, want 2", starts)
	}
	w.chat("c1", "ana", 2)
	expect(t, again, "chat:02")
}
