package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/internal/emulatortest"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// watchStore is a store on a Firestore project of its own, so tests run in parallel.
func watchStore(t *testing.T) (*store.Store, *firestore.Client) {
	t.Helper()
	emulatortest.Firestore(t)
	fs, err := firestore.NewClient(context.Background(), fmt.Sprintf("watch-%d", time.Now().UnixNano()))
	if err != nil {
		t.Fatalf("firestore client: %v", err)
	}
	t.Cleanup(func() { fs.Close() })
	return store.New(fs), fs
}

// recorder keeps what a watch reported and lets a test wait for a report.
type recorder[T any] struct {
	mu   sync.Mutex
	got  []T
	more chan struct{}
}

func newRecorder[T any]() *recorder[T] { return &recorder[T]{more: make(chan struct{}, 1)} }

func (r *recorder[T]) add(v T) {
	r.mu.Lock()
	r.got = append(r.got, v)
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
}

// wait returns what was reported once cond holds for it, or fails after 20 s.
func (r *recorder[T]) wait(t *testing.T, what string, cond func([]T) bool) []T {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r.mu.Lock()
		got := append([]T(nil), r.got...)
		r.mu.Unlock()
		if cond(got) {
			return got
		}
		select {
		case <-r.more:
		case <-deadline:
			t.Fatalf("never saw %s; got %+v", what, got)
		}
	}
}

func hasChat(kind store.ChangeKind, id string, cond func(session.Session) bool) func([]store.ChatChange) bool {
	return func(cs []store.ChatChange) bool {
		for _, c := range cs {
			if c.Kind == kind && c.Chat.ID == id && cond(c.Chat) {
				return true
			}
		}
		return false
	}
}

// TestWatchChatsReportsNewLinesAndEnds: a chat present as listening begins is reported before
// Synced; afterwards a new chat, a chat whose seq moved (a new transcript line) and a chat that
// ended each reach fn, the ended one once, with its final state, and not as a removal.
func TestWatchChatsReportsNewLinesAndEnds(t *testing.T) {
	s, fs := watchStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sessions := fs.Collection("sessions")
	put := func(c session.Session) {
		t.Helper()
		if _, err := sessions.Doc(c.ID).Set(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	put(session.Session{ID: "before", State: session.Assigned, AgentID: "ana", Seq: 3})
	put(session.Session{ID: "long-ended", State: session.Ended, EndedAt: time.Now().Add(-time.Hour)})
	rec := newRecorder[store.ChatChange]()
	done := make(chan error, 1)
	wctx, stop := context.WithCancel(ctx)
	go func() { done <- s.WatchChats(wctx, time.Now().Add(-time.Minute), rec.add) }()

	got := rec.wait(t, "Synced", func(cs []store.ChatChange) bool { return len(cs) > 0 && cs[len(cs)-1].Kind == store.Synced })
	if len(got) != 2 || got[0].Kind != store.Added || got[0].Chat.ID != "before" || got[0].Chat.AgentID != "ana" {
		t.Fatalf("first snapshot = %+v; want the live chat alone, then Synced", got)
	}
	put(session.Session{ID: "new", State: session.Queued, QueueID: "billing", Seq: 1})
	rec.wait(t, "the new chat", hasChat(store.Added, "new", func(c session.Session) bool { return c.QueueID == "billing" }))
	put(session.Session{ID: "before", State: session.Assigned, AgentID: "ana", Seq: 4})
	rec.wait(t, "the chat's next line", hasChat(store.Modified, "before", func(c session.Session) bool { return c.Seq == 4 }))
	put(session.Session{ID: "before", State: session.Ended, AgentID: "ana", Seq: 5, EndedAt: time.Now(), EndReason: "agent"})
	rec.wait(t, "the ended chat", hasChat(store.Added, "before", func(c session.Session) bool {
		return c.State == session.Ended && c.EndReason == "agent" && c.Seq == 5
	}))
	// A later change shows the end was reported once: no removal follows it.
	put(session.Session{ID: "marker", State: session.InMenu})
	got = rec.wait(t, "the marker", hasChat(store.Added, "marker", func(session.Session) bool { return true }))
	ends := 0
	for _, c := range got {
		if c.Chat.ID == "before" && (c.Kind == store.Removed || c.Chat.State == session.Ended) {
			ends++
		}
		if c.Chat.ID == "long-ended" {
			t.Errorf("a chat that ended before the window was reported: %+v", c)
		}
	}
	if ends != 1 {
		t.Errorf("the end was reported %d times, want once: %+v", ends, got)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("WatchChats = %v after its context ended", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WatchChats did not return when its context ended")
	}
}

// TestWatchAgentsReportsStatusAndLoad: an agent's status and load changes reach fn.
func TestWatchAgentsReportsStatusAndLoad(t *testing.T) {
	s, fs := watchStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	agents := fs.Collection("agents")
	if _, err := agents.Doc("ana").Set(ctx, agent.Agent{ID: "ana", Status: agent.Offline, Capacity: 2}); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder[store.AgentUpdate]()
	go s.WatchAgents(ctx, rec.add)
	rec.wait(t, "Synced", func(us []store.AgentUpdate) bool { return len(us) == 2 && us[1].Kind == store.Synced })
	if err := s.SetAgentStatus(ctx, "ana", agent.Available, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := agents.Doc("ana").Update(ctx, []firestore.Update{{Path: "activeChats", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "ana available with one chat", func(us []store.AgentUpdate) bool {
		u := us[len(us)-1]
		return u.Kind == store.Modified && u.Agent.ID == "ana" && u.Agent.Status == agent.Available && u.Agent.ActiveChats == 1
	})
}

// TestWatchChatsReportsAChatThatLeftWithoutAnEnd: a chat that leaves the live states without
// an end time (so the ended listener never has it) is still reported, as Removed.
func TestWatchChatsReportsAChatThatLeftWithoutAnEnd(t *testing.T) {
	s, fs := watchStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	doc := fs.Collection("sessions").Doc("odd")
	if _, err := doc.Set(ctx, session.Session{ID: "odd", State: session.Assigned, AgentID: "ana"}); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder[store.ChatChange]()
	go s.WatchChats(ctx, time.Now().Add(-time.Minute), rec.add)
	rec.wait(t, "Synced", func(cs []store.ChatChange) bool { return len(cs) > 0 && cs[len(cs)-1].Kind == store.Synced })
	if _, err := doc.Set(ctx, session.Session{ID: "odd", State: session.Ended, AgentID: "ana"}); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "the chat removed", hasChat(store.Removed, "odd", func(c session.Session) bool { return c.AgentID == "ana" }))
}
