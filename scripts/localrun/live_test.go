package localrun_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/shared/session"
)

// liveEvent is one server-sent event of GET /agent/stream.
type liveEvent struct {
	ID, Event string
	Chat      struct {
		ID, State, Queue, AgentID string
		Seq                       int
	}
	Agent struct {
		ID, Status string
	}
	Raw string
}

// openStream connects to the agent's live stream (resuming after lastID when given) and
// returns its events as they come; the stream closes when ctx ends.
func openStream(t *testing.T, ctx context.Context, token, lastID string) <-chan liveEvent {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, runner.BaseURL+"/agent/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /agent/stream: %v", err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		resp.Body.Close()
		t.Fatalf("GET /agent/stream = %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan liveEvent, 100)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var e liveEvent
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "" && e.Event != "":
				if e.Event == "chat" {
					_ = json.Unmarshal([]byte(e.Raw), &e.Chat)
				} else if e.Event == "agent" {
					_ = json.Unmarshal([]byte(e.Raw), &e.Agent)
				}
				out <- e
				e = liveEvent{}
			case strings.HasPrefix(line, "id: "):
				e.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				e.Raw += line[6:]
			}
		}
	}()
	return out
}

// until reads events until one satisfies cond and returns them all, that one last.
func until(t *testing.T, ctx context.Context, events <-chan liveEvent, what string, cond func(liveEvent) bool) []liveEvent {
	t.Helper()
	var got []liveEvent
	for {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("the stream ended before %s; got %+v", what, got)
			}
			got = append(got, e)
			if cond(e) {
				return got
			}
		case <-ctx.Done():
			t.Fatalf("never saw %s; got %+v", what, got)
		}
	}
}

func isAgent(id, status string) func(liveEvent) bool {
	return func(e liveEvent) bool { return e.Event == "agent" && e.Agent.ID == id && e.Agent.Status == status }
}

// lastSeq is the seq of the chat's latest transcript line, as stored.
func lastSeq(t *testing.T, ctx context.Context, chatID string) int {
	t.Helper()
	entries, err := runner.Store.Transcript(ctx, chatID)
	if err != nil || len(entries) == 0 {
		t.Fatalf("transcript of %s: %d lines, %v", chatID, len(entries), err)
	}
	return entries[len(entries)-1].Seq
}

// TestLiveStreamPushesChatsToWhoMayRead: an agent connected to /agent/stream sees a chat
// event when a chat is assigned to them and when the consumer texts again, with the chat's
// seq and no phone number; the line's supervisor sees it too; another agent does not; and a
// reconnection with Last-Event-ID gets exactly the events it missed, once.
func TestLiveStreamPushesChatsToWhoMayRead(t *testing.T) {
	f := newFixture(t)
	ctx := testCtx(t)
	phone := consumerPhone()
	first, hangUp := context.WithCancel(ctx)
	ana := openStream(t, first, f.Tokens["ana"], "")
	steady := openStream(t, ctx, f.Tokens["ana"], "") // never interrupted: what a resume must match
	carl := openStream(t, ctx, f.Tokens["carl"], "")
	dora := openStream(t, ctx, f.Tokens["dora"], "")
	for name, s := range map[string]<-chan liveEvent{"ana": ana, "steady": steady, "carl": carl, "dora": dora} {
		if e := until(t, ctx, s, "ready", func(e liveEvent) bool { return true }); e[0].Event != "ready" || e[0].ID == "" {
			t.Fatalf("%s's first event = %+v, want ready with an id", name, e[0])
		}
	}

	id := connectChat(t, ctx, f, phone)
	assigned := func(e liveEvent) bool {
		return e.Event == "chat" && e.Chat.ID == id && e.Chat.State == string(session.Assigned) && e.Chat.AgentID == f.Prefix+"-ana"
	}
	got := until(t, ctx, ana, "the chat assigned to ana", assigned)
	if raw := got[len(got)-1].Raw; strings.Contains(raw, phone) || strings.Contains(raw, "***") || strings.Contains(raw, "consumer") {
		t.Errorf("the chat event shows the consumer's number: %s", raw)
	}
	until(t, ctx, dora, "the chat, for the line's supervisor", assigned)

	text(t, phone, f.Number, "My order is late")
	waitChats(t, ctx, f.Tokens["ana"], func(cs []chatJSON) bool {
		return len(cs) == 1 && cs[0].Transcript[len(cs[0].Transcript)-1].Body == "My order is late"
	})
	seq := lastSeq(t, ctx, id)
	atSeq := func(n int) func(liveEvent) bool {
		return func(e liveEvent) bool { return e.Event == "chat" && e.Chat.ID == id && e.Chat.Seq >= n }
	}
	last := until(t, ctx, ana, "the consumer's text", atSeq(seq))
	resumeAt := last[len(last)-1].ID

	// Carl goes available: his own change comes after every chat event above, none of which
	// he may see.
	api(t, f.Tokens["carl"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	for _, e := range until(t, ctx, carl, "carl's own status", isAgent(f.Prefix+"-carl", "available")) {
		if e.Event == "chat" && e.Chat.ID == id {
			t.Errorf("carl saw ana's chat: %+v", e)
		}
	}

	// Ana's connection drops; the consumer texts twice meanwhile; she reconnects.
	hangUp()
	text(t, phone, f.Number, "Are you there?")
	text(t, phone, f.Number, "Order A-17")
	waitChats(t, ctx, f.Tokens["ana"], func(cs []chatJSON) bool {
		return len(cs) == 1 && cs[0].Transcript[len(cs[0].Transcript)-1].Body == "Order A-17"
	})
	final := lastSeq(t, ctx, id)
	api(t, f.Tokens["ana"], "PUT", "/status", map[string]string{"status": "busy"}, nil) // a marker after the texts
	marker := isAgent(f.Prefix+"-ana", "busy")
	resumed := until(t, ctx, openStream(t, ctx, f.Tokens["ana"], resumeAt), "ana's marker, resumed", marker)
	if resumed[0].Event != "ready" || resumed[0].ID != resumeAt {
		t.Fatalf("first event after reconnecting = %+v, want ready at %s", resumed[0], resumeAt)
	}
	var want []liveEvent
	for _, e := range until(t, ctx, steady, "ana's marker, steady", marker) {
		if e.Event != "ready" && idAfter(e.ID, resumeAt) {
			want = append(want, e)
		}
	}
	if gotIDs, wantIDs := ids(resumed[1:]), ids(want); strings.Join(gotIDs, " ") != strings.Join(wantIDs, " ") {
		t.Errorf("events after the reconnection:\n got  %v\n want %v (as the uninterrupted stream got them)", gotIDs, wantIDs)
	}
	if !hasSeq(resumed, id, final) {
		t.Errorf("the reconnection never showed the last text (seq %d): %+v", final, resumed)
	}
}

// idAfter reports whether event id a comes after b (both of one hub: "prefix-N").
func idAfter(a, b string) bool {
	pa, na, _ := strings.Cut(a, "-")
	pb, nb, _ := strings.Cut(b, "-")
	return pa == pb && (len(na) > len(nb) || len(na) == len(nb) && na > nb)
}

func ids(es []liveEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func hasSeq(es []liveEvent, chatID string, seq int) bool {
	for _, e := range es {
		if e.Event == "chat" && e.Chat.ID == chatID && e.Chat.Seq >= seq {
			return true
		}
	}
	return false
}
