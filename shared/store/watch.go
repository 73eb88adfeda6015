package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/googleapis/gax-go/v2"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/session"
)

// ChangeKind says how a watched document changed.
type ChangeKind int

// The kinds of change a watch reports.
const (
	// Added: the document entered the watched set (or was there when listening began).
	Added ChangeKind = iota + 1
	Modified
	// Removed: the document left the watched set; it carries the document as it was.
	Removed
	// Synced: every document of the watched set as listening began has been reported (as
	// Added); what follows are changes. It comes once per watch, carrying no document.
	Synced
)

// ChatChange is a change of one chat document.
type ChatChange struct {
	Kind ChangeKind
	Chat session.Session
}

// AgentUpdate is a change of one agent document.
type AgentUpdate struct {
	Kind  ChangeKind
	Agent agent.Agent
}

// endedGrace is how long a chat that left the live states may take to show up as ended.
const endedGrace = 5 * time.Second

// liveStates are the states of a chat that has not ended.
var liveStates = []string{string(session.InMenu), string(session.Queued), string(session.Assigned), string(session.AwaitingCall)}

// WatchChats follows, with Firestore real-time listeners, the chats that are live (not ended)
// and those that ended since since, and calls fn (from one goroutine at a time) for each
// document as listening begins, then Synced, then for every change. Every transcript line
// moves its chat's seq, so a new message is a change of its chat. Two listeners serve it: one
// on the live states, one on endedAt (Firestore has no single query for both with single-field
// indexes); a chat that ends leaves the first and enters the second, reported once, by the
// second, with its final state. It returns when ctx ends; a listener that fails is set up again
// with backoff, and what changed meanwhile is reported as changes.
func (s *Store) WatchChats(ctx context.Context, since time.Time, fn func(ChatChange)) error {
	var mu sync.Mutex
	ended := map[string]bool{}
	synced := 0
	decode := func(d *firestore.DocumentSnapshot) (session.Session, bool) {
		var c session.Session
		if err := d.DataTo(&c); err != nil {
			slog.Error("watch chats: undecodable chat", "chat", d.Ref.ID, "err", err)
			return c, false
		}
		if c.ID == "" {
			c.ID = d.Ref.ID
		}
		return c, true
	}
	onSynced := func() {
		mu.Lock()
		defer mu.Unlock()
		if synced++; synced == 2 {
			fn(ChatChange{Kind: Synced})
		}
	}
	live := func(k ChangeKind, d *firestore.DocumentSnapshot) {
		c, ok := decode(d)
		if !ok {
			return
		}
		if k == Removed {
			// A chat that ended is reported by the other listener, with its final state,
			// usually at once; the removal is reported only if that never comes.
			time.AfterFunc(endedGrace, func() {
				mu.Lock()
				defer mu.Unlock()
				if !ended[c.ID] && ctx.Err() == nil {
					fn(ChatChange{Kind: Removed, Chat: c})
				}
			})
			return
		}
		mu.Lock()
		defer mu.Unlock()
		fn(ChatChange{Kind: k, Chat: c})
	}
	gone := func(k ChangeKind, d *firestore.DocumentSnapshot) {
		c, ok := decode(d)
		mu.Lock()
		defer mu.Unlock()
		if k != Removed {
			ended[d.Ref.ID] = true
		}
		if ok {
			fn(ChatChange{Kind: k, Chat: c})
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		follow(ctx, "live chats", s.fs.Collection(colSessions).Where("state", "in", liveStates), live, onSynced)
	})
	wg.Go(func() {
		follow(ctx, "ended chats", s.fs.Collection(colSessions).Where("endedAt", ">=", since), gone, onSynced)
	})
	wg.Wait()
	return nil
}

// WatchAgents follows every agent (status, load) with a Firestore real-time listener, as
// WatchChats does chats: each agent as listening begins, Synced, then every change. It returns
// when ctx ends.
func (s *Store) WatchAgents(ctx context.Context, fn func(AgentUpdate)) error {
	follow(ctx, "agents", s.fs.Collection(colAgents).Query, func(k ChangeKind, d *firestore.DocumentSnapshot) {
		var a agent.Agent
		if err := d.DataTo(&a); err != nil {
			slog.Error("watch agents: undecodable agent", "agent", d.Ref.ID, "err", err)
			return
		}
		if a.ID == "" {
			a.ID = d.Ref.ID
		}
		fn(AgentUpdate{Kind: k, Agent: a})
	}, func() { fn(AgentUpdate{Kind: Synced}) })
	return nil
}

// follow runs a listener on q until ctx ends. The client library resumes a broken stream by
// itself; an error it gives up on sets the listener up again after a backoff, and the new
// listener's first snapshot is compared with the documents known so far, so that nothing that
// changed in between is missed and nothing unchanged is reported again.
func follow(ctx context.Context, name string, q firestore.Query, emit func(ChangeKind, *firestore.DocumentSnapshot), synced func()) {
	known := map[string]*firestore.DocumentSnapshot{}
	first := true
	bo := gax.Backoff{Initial: time.Second, Max: time.Minute, Multiplier: 2}
	for ctx.Err() == nil {
		err := listen(ctx, q, known, first, emit, func() {
			if first {
				first = false
				synced()
			}
			bo = gax.Backoff{Initial: time.Second, Max: time.Minute, Multiplier: 2}
		})
		if ctx.Err() != nil {
			return
		}
		pause := bo.Pause()
		slog.Warn("firestore listener failed; setting it up again", "listener", name, "retryIn", pause.String(), "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
}

// listen runs one listener until it fails or ctx ends.
func listen(ctx context.Context, q firestore.Query, known map[string]*firestore.DocumentSnapshot, initial bool, emit func(ChangeKind, *firestore.DocumentSnapshot), ok func()) error {
	it := q.Snapshots(ctx)
	defer it.Stop()
	snap, err := it.Next()
	if err != nil {
		return fmt.Errorf("first snapshot: %w", err)
	}
	docs, err := snap.Documents.GetAll()
	if err != nil {
		return fmt.Errorf("first snapshot's documents: %w", err)
	}
	seen := map[string]bool{}
	for _, d := range docs {
		seen[d.Ref.ID] = true
		switch old, had := known[d.Ref.ID]; {
		case initial || !had:
			emit(Added, d)
		case !old.UpdateTime.Equal(d.UpdateTime):
			emit(Modified, d)
		}
		known[d.Ref.ID] = d
	}
	for id, d := range known {
		if !seen[id] {
			delete(known, id)
			emit(Removed, d)
		}
	}
	ok()
	for {
		snap, err := it.Next()
		if err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		for _, ch := range snap.Changes {
			switch ch.Kind {
			case firestore.DocumentAdded:
				known[ch.Doc.Ref.ID] = ch.Doc
				emit(Added, ch.Doc)
			case firestore.DocumentModified:
				known[ch.Doc.Ref.ID] = ch.Doc
				emit(Modified, ch.Doc)
			case firestore.DocumentRemoved:
				delete(known, ch.Doc.Ref.ID)
				emit(Removed, ch.Doc)
			}
		}
	}
}
