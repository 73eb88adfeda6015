package live_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/live"
	"github.com/smsdesk/smsdesk/shared/store"
)

type sseEvent struct{ id, event, data string }

// stream reads server-sent events from an open response.
type stream struct {
	resp *http.Response
	rd   *bufio.Reader
}

func open(t *testing.T, ctx context.Context, url, lastID string) *stream {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &stream{resp: resp, rd: bufio.NewReader(resp.Body)}
}

// next returns the next event, skipping comments and the retry hint.
func (s *stream) next(t *testing.T) sseEvent {
	t.Helper()
	var e sseEvent
	for {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && e.event != "":
			return e
		case strings.HasPrefix(line, "id: "):
			e.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			e.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			e.data += line[6:]
		}
	}
}

func encodeChat(c live.Change) (string, []byte) {
	b, _ := json.Marshal(map[string]any{"id": c.Chat.ID, "seq": c.Chat.Seq})
	return "chat", b
}

// TestServeSSEStreamsAndResumes: the stream is text/event-stream, not cached, opens with
// ready, carries each change with its id, and a reconnection with Last-Event-ID gets the
// changes it missed once.
func TestServeSSEStreamsAndResumes(t *testing.T) {
	w := newMemWatcher()
	h := newHub(w)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h.ServeSSE(rw, r, heldBy("ana"), encodeChat)
	}))
	t.Cleanup(srv.Close) // after the streams' bodies are closed
	ctx := testCtx(t)
	keep := subscribe(t, ctx, h, "", heldBy("nobody")) // keeps the listeners running
	expect(t, keep, "ready")

	first, hangUp := context.WithCancel(ctx)
	s := open(t, first, srv.URL, "")
	if ct, cc := s.resp.Header.Get("Content-Type"), s.resp.Header.Get("Cache-Control"); ct != "text/event-stream" || cc != "no-store" {
		t.Fatalf("Content-Type %q, Cache-Control %q", ct, cc)
	}
	if e := s.next(t); e.event != "ready" || e.id == "" || !strings.Contains(e.data, e.id) {
		t.Fatalf("first event = %+v, want ready with its id", e)
	}
	w.chat("c1", "ana", 1)
	w.chat("c9", "luis", 1)
	w.chat("c1", "ana", 2)
	e1, e2 := s.next(t), s.next(t)
	if e1.event != "chat" || e1.data != `{"id":"c1","seq":1}` || e2.data != `{"id":"c1","seq":2}` {
		t.Fatalf("events = %+v, %+v", e1, e2)
	}
	hangUp()
	w.chat("c1", "ana", 3)
	w.chat("c1", "ana", 4)

	s = open(t, ctx, srv.URL, e2.id)
	if e := s.next(t); e.event != "ready" || e.id != e2.id {
		t.Fatalf("first event after reconnecting = %+v, want ready at %s", e, e2.id)
	}
	for _, want := range []string{`{"id":"c1","seq":3}`, `{"id":"c1","seq":4}`} {
		if e := s.next(t); e.data != want {
			t.Fatalf("resumed event = %+v, want %s", e, want)
		}
	}
	w.chat("c1", "ana", 5)
	if e := s.next(t); e.data != `{"id":"c1","seq":5}` {
		t.Fatalf("live event after the resume = %+v", e)
	}
	s = open(t, ctx, srv.URL, "elsewhere.1-4")
	if e := s.next(t); e.event != "reset" {
		t.Fatalf("first event for another instance's id = %+v, want reset", e)
	}
}

// neverSynced is a Watcher whose listeners never get their first snapshot.
type neverSynced struct{}

func (neverSynced) WatchChats(ctx context.Context, _ time.Time, _ func(store.ChatChange)) error {
	<-ctx.Done()
	return nil
}

func (neverSynced) WatchAgents(ctx context.Context, _ func(store.AgentUpdate)) error {
	<-ctx.Done()
	return nil
}

// TestServeSSEUnavailable: when the listeners do not start in time the client gets a 503
// with a JSON error, not a stream that never says anything.
func TestServeSSEUnavailable(t *testing.T) {
	h := newHub(neverSynced{})
	h.ReadyWait = 100 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h.ServeSSE(rw, r, heldBy("ana"), encodeChat)
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error struct{ Code string } }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusServiceUnavailable || body.Error.Code != "unavailable" {
		t.Fatalf("answer %d %+v (%v), want 503 unavailable", resp.StatusCode, body, err)
	}
}
