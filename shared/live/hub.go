// Package live pushes changes of chats and agents to the browsers of a process's agents, fed
// by Firestore real-time listeners rather than polling. A Hub runs one set of listeners per
// process (a chat listener reports every new transcript line, as each moves the chat's seq),
// started by the first subscriber and stopped a while after the last leaves, so an idle
// instance costs nothing; it fans each change out in-process to every subscriber whose filter
// takes it. Changes carry ids; a subscriber that comes back with the last id it got receives
// every later change exactly once, or, when the hub cannot tell what it missed, a reset that
// tells it to load its view again.
package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Kinds of Change.
const (
	KindChat  = "chat"  // a chat changed: new, a new transcript line, assigned, transferred, ended
	KindAgent = "agent" // an agent's status or load changed
	// KindReady opens every subscription that starts fresh or resumes exactly; its ID is where
	// the changes that follow start.
	KindReady = "ready"
	// KindReset tells a subscriber that changes were lost to it (an id of another instance or
	// an earlier run of the hub, one too old, or a backlog it did not read in time): it loads
	// its view again; the changes after ID follow.
	KindReset = "reset"
)

// Change is one change pushed to subscribers.
type Change struct {
	ID   string // the event id: monotonic per hub, with a prefix of the process and run
	Kind string
	// Chat is the chat as stored, for KindChat; one that left the watched set is Ended.
	Chat session.Session
	// Agent is the agent as stored, for KindAgent; it holds their token's hash: encode only
	// what a viewer may see.
	Agent agent.Agent
}

// Watcher follows chats and agents (store.Store does, with Firestore listeners).
type Watcher interface {
	WatchChats(ctx context.Context, since time.Time, fn func(store.ChatChange)) error
	WatchAgents(ctx context.Context, fn func(store.AgentUpdate)) error
}

// Hub fans changes out to subscribers. Its settings may be changed before the first
// subscription; NewHub sets the defaults.
type Hub struct {
	// Idle is how long the listeners keep running after the last subscriber left.
	Idle time.Duration
	// Ring is how many recent changes are kept for subscribers coming back.
	Ring int
	// Buffer is how many changes a subscriber may leave unread before it gets a reset.
	Buffer int
	// Heartbeat, MaxStream and Retry shape ServeSSE's streams: a comment that often, the
	// longest stream (under the function's request timeout; the browser reconnects by
	// itself), and the reconnection delay suggested to the browser.
	Heartbeat, MaxStream, Retry time.Duration
	// ReadyWait bounds how long ServeSSE waits for the listeners' first snapshots.
	ReadyWait time.Duration

	w        Watcher
	log      *slog.Logger
	instance string

	mu      sync.Mutex
	run     int // listeners started so far; ids of another run are not resumable
	seq     uint64
	cancel  context.CancelFunc // stops the running listeners; nil when stopped
	ready   chan struct{}      // closed once the running listeners are synced
	synced  int
	ring    []Change
	subs    map[*subscriber]struct{}
	users   int // subscribers, and callers of Subscribe still waiting for ready
	stopper *time.Timer
}

type subscriber struct {
	ch     chan Change
	filter func(Change) bool
}

// NewHub returns a hub over w with its defaults: listeners kept 60 s after the last
// subscriber, 1024 changes kept, 256 unread allowed, streams of at most 9 minutes with a
// heartbeat every 15 s.
func NewHub(w Watcher, log *slog.Logger) *Hub {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &Hub{
		Idle: time.Minute, Ring: 1024, Buffer: 256,
		Heartbeat: 15 * time.Second, MaxStream: 9 * time.Minute, Retry: 2 * time.Second, ReadyWait: 30 * time.Second,
		w: w, log: log, instance: hex.EncodeToString(b[:]), subs: map[*subscriber]struct{}{},
	}
}

// Subscribe returns the changes that filter takes, from after on: a first change of kind
// ready (then every later change once) or reset (the view must be loaded again), then the
// changes as they come. after is the ID of the last change the caller got, or "" to start
// now. The first subscription starts the listeners and waits for their first snapshot, which
// is not sent: a view is loaded by a normal read once ready (or reset) arrives. The channel is
// closed when ctx ends. filter runs on the hub's lock: it must be quick and not call the hub.
func (h *Hub) Subscribe(ctx context.Context, after string, filter func(Change) bool) (<-chan Change, error) {
	return h.subscribe(ctx, ctx, after, filter)
}

// subscribe is Subscribe waiting for ready only as long as wait lasts.
func (h *Hub) subscribe(ctx, wait context.Context, after string, filter func(Change) bool) (<-chan Change, error) {
	h.mu.Lock()
	h.users++
	if h.stopper != nil {
		h.stopper.Stop()
		h.stopper = nil
	}
	if h.cancel == nil {
		h.start()
	}
	ready := h.ready
	h.mu.Unlock()
	select {
	case <-ready:
	case <-wait.Done():
		h.leave()
		return nil, fmt.Errorf("wait for the listeners' first snapshot: %w", wait.Err())
	}
	h.mu.Lock()
	first, backlog := h.resume(after)
	sub := &subscriber{ch: make(chan Change, h.Buffer+len(backlog)+1), filter: filter}
	sub.ch <- first
	for _, c := range backlog {
		if filter(c) {
			sub.ch <- c
		}
	}
	h.subs[sub] = struct{}{}
	h.mu.Unlock()
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		delete(h.subs, sub)
		close(sub.ch)
		h.mu.Unlock()
		h.leave()
	}()
	return sub.ch, nil
}

// start runs the listeners of a new run; h.mu is held.
func (h *Hub) start() {
	h.run++
	h.seq, h.synced, h.ring = 0, 0, nil
	h.ready = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	run, since := h.run, time.Now()
	h.log.Info("live updates: listeners started", "run", run)
	go func() {
		if err := h.w.WatchChats(ctx, since, func(c store.ChatChange) { h.chat(run, c) }); err != nil && ctx.Err() == nil {
			h.log.Error("live updates: chat listener ended", "err", err)
		}
	}()
	go func() {
		if err := h.w.WatchAgents(ctx, func(a store.AgentUpdate) { h.agent(run, a) }); err != nil && ctx.Err() == nil {
			h.log.Error("live updates: agent listener ended", "err", err)
		}
	}()
}

// leave counts a subscriber out; the last one leaving stops the listeners after h.Idle.
func (h *Hub) leave() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.users--; h.users > 0 {
		return
	}
	run := h.run
	h.stopper = time.AfterFunc(h.Idle, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.users == 0 && h.run == run && h.cancel != nil {
			h.cancel()
			h.cancel, h.ring = nil, nil
			h.log.Info("live updates: listeners stopped, no subscriber left", "run", run)
		}
	})
}

func (h *Hub) chat(run int, c store.ChatChange) {
	if c.Kind == store.Removed {
		c.Chat.State = session.Ended
	}
	h.publish(run, c.Kind, Change{Kind: KindChat, Chat: c.Chat})
}

func (h *Hub) agent(run int, a store.AgentUpdate) {
	h.publish(run, a.Kind, Change{Kind: KindAgent, Agent: a.Agent})
}

// publish numbers a change of the current run and hands it to every subscriber that takes it;
// the documents of the listeners' first snapshots only count towards ready.
func (h *Hub) publish(run int, kind store.ChangeKind, c Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if run != h.run || h.cancel == nil {
		return
	}
	if kind == store.Synced {
		if h.synced++; h.synced == 2 {
			close(h.ready)
		}
		return
	}
	if h.synced < 2 {
		return
	}
	h.seq++
	c.ID = h.id(h.seq)
	h.ring = append(h.ring, c)
	if over := len(h.ring) - h.Ring; over > 0 {
		h.ring = append(h.ring[:0:0], h.ring[over:]...)
	}
	for s := range h.subs {
		if s.filter(c) {
			h.send(s, c)
		}
	}
}

// send hands c to s without waiting: a subscriber that left Buffer changes unread loses them
// for a reset, so that one slow browser never holds up the others.
func (h *Hub) send(s *subscriber, c Change) {
	select {
	case s.ch <- c:
		return
	default:
	}
	for len(s.ch) > 0 {
		select {
		case <-s.ch:
		default:
		}
	}
	s.ch <- Change{ID: c.ID, Kind: KindReset}
	h.log.Warn("live updates: a subscriber fell behind; it gets a reset", "at", c.ID)
}

// resume is what a subscriber coming back after the change after gets: ready and the changes
// since, or reset when the hub cannot tell; h.mu is held.
func (h *Hub) resume(after string) (Change, []Change) {
	last := Change{ID: h.id(h.seq), Kind: KindReady}
	if after == "" {
		return last, nil
	}
	prefix, n, ok := strings.Cut(after, "-")
	seq, err := strconv.ParseUint(n, 10, 64)
	oldest := h.seq - uint64(len(h.ring)) // the ring holds (oldest, seq]
	if !ok || err != nil || prefix != h.prefix() || seq > h.seq || seq < oldest {
		last.Kind = KindReset
		return last, nil
	}
	return Change{ID: after, Kind: KindReady}, h.ring[len(h.ring)-int(h.seq-seq):]
}

func (h *Hub) prefix() string { return h.instance + "." + strconv.Itoa(h.run) }

func (h *Hub) id(seq uint64) string { return h.prefix() + "-" + strconv.FormatUint(seq, 10) }

// Close stops the listeners now, before the Firestore client they use is closed.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopper != nil {
		h.stopper.Stop()
	}
	if h.cancel != nil {
		h.cancel()
		h.cancel, h.ring = nil, nil
	}
}
