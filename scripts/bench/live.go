package main

// Mode live measures the agents' live updates (GET /agent/stream, server-sent events fed by
// Firestore listeners):
//
//	-mode live [-agents 50] [-rounds 5] [-idle 60s]
//	    every agent (capacity 1) gets a chat, then connects to /agent/stream. In each round
//	    every consumer texts at once; latency runs from the text's transcript line as stored
//	    (its time in Firestore) to the chat event on its agent's stream, beside the floor of
//	    the same run: a bare Firestore listener on one document, write → snapshot received.
//	    Then nothing happens for -idle with every agent connected: the Firestore reads of that
//	    while per connected agent per minute (polling would cost reads; listeners cost none).

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/smsdesk/smsdesk/shared/metering"
)

const modeLive = "live"

// liveDefaults sets mode live's sizes for the flags not given: 50 agents of capacity 1, a
// chat each.
func liveDefaults(f *flags, set map[string]bool) {
	if !set["agents"] {
		f.agents = 50
	}
	if !set["capacity"] {
		f.capacity = 1
	}
	if !set["conversations"] {
		f.conversations = f.agents * f.capacity
	}
	if !set["mps"] {
		f.mps = 500
	}
}

type liveResults struct {
	Mode      string `json:"mode"`
	Agents    int    `json:"agents"`
	Chats     int    `json:"chats"`
	Rounds    int    `json:"rounds"`
	LatencyMs struct {
		StoredToStream summary `json:"textStoredToAgentStream"`
		Floor          summary `json:"floorFirestoreWriteToSnapshot"`
	} `json:"latencyMs"`
	PerText     perText         `json:"perTextWithStreamsConnected"`
	IdleSeconds float64         `json:"idleSeconds"`
	Idle        metering.Counts `json:"idle"`
	// IdleReadsPerAgentMinute is the Firestore reads of the idle while per connected agent per
	// minute (the target is under 1: no polling).
	IdleReadsPerAgentMinute float64  `json:"idleReadsPerAgentPerMinute"`
	WallSeconds             float64  `json:"wallSeconds"`
	Notes                   []string `json:"notes,omitempty"`
}

// liveStream is one agent's open stream: when each chat event arrived, by chat and seq.
type liveStream struct {
	mu    sync.Mutex
	seen  map[string][]seqAt // chat id → events
	ready chan struct{}
	more  chan struct{}
}

type seqAt struct {
	seq int
	at  time.Time
}

// runLive runs mode live after warming up and prints its results.
func (b *bench) runLive(ctx context.Context, log *slog.Logger, out io.Writer, start time.Time) error {
	ids, sessions, err := b.openQuietChats(ctx, log)
	if err != nil {
		return err
	}
	n := len(b.phones)
	res := &liveResults{Mode: modeLive, Agents: b.f.agents, Chats: n, Rounds: b.f.rounds}

	log.Info("agents connect to /agent/stream", "agents", len(b.fixture.agentIDs))
	streams := map[string]*liveStream{}
	sctx, hangUp := context.WithCancel(ctx)
	defer hangUp()
	client := &http.Client{} // no timeout: the streams stay open
	for _, id := range b.fixture.agentIDs {
		s, err := b.openLive(sctx, client, id)
		if err != nil {
			return err
		}
		streams[id] = s
	}
	for id, s := range streams {
		select {
		case <-s.ready:
		case <-ctx.Done():
			return fmt.Errorf("the stream of %s never got ready: %w", id, ctx.Err())
		}
	}
	b.settle(ctx, log)

	floor, err := b.listenerFloor(ctx, 50)
	if err != nil {
		return err
	}
	res.LatencyMs.Floor = summarize(floor)

	log.Info("consumers text; agents' streams show it", "rounds", b.f.rounds, "chats", n)
	before := b.meter.Snapshot()
	var lat []time.Duration
	var mu sync.Mutex
	for r := range b.f.rounds {
		current, err := b.sessions(ctx, ids)
		if err != nil {
			return err
		}
		err = forEach(ctx, n, func(ctx context.Context, i int) error {
			s := current[i]
			st := streams[sessions[i].AgentID]
			if st == nil {
				return fmt.Errorf("chat %s has no connected agent (%q)", s.ID, sessions[i].AgentID)
			}
			body := fmt.Sprintf("live %d, round %d", i, r)
			if _, _, err := b.text(ctx, b.phones[i], body); err != nil {
				return err
			}
			got, err := st.wait(ctx, s.ID, s.Seq+1)
			if err != nil {
				return err
			}
			stored, err := b.entryTime(ctx, s.ID, s.Seq+1, body)
			if err != nil {
				return err
			}
			mu.Lock()
			lat = append(lat, got.Sub(stored))
			mu.Unlock()
			return nil
		})
		if err != nil {
			return fmt.Errorf("round %d: %w", r+1, err)
		}
	}
	res.LatencyMs.StoredToStream = summarize(lat)
	res.PerText = per(b.settle(ctx, log).Sub(before), n*b.f.rounds)

	log.Info("idle: every agent connected, nothing happens", "for", b.f.idle)
	before, t0 := b.meter.Snapshot(), time.Now()
	if err := sleep(ctx, b.f.idle); err != nil {
		return err
	}
	res.Idle, res.IdleSeconds = b.meter.Snapshot().Sub(before), time.Since(t0).Seconds()
	res.IdleReadsPerAgentMinute = float64(res.Idle.Reads) / float64(len(streams)) / (res.IdleSeconds / 60)
	if b.f.idle >= 9*time.Minute {
		res.Notes = append(res.Notes, "the idle while outlasts a stream (9 min): it includes each agent's reconnection and its token check")
	}
	res.WallSeconds = time.Since(start).Seconds()
	return report(out, b.f.json, res)
}

// openLive connects agentID to /agent/stream and follows its chat events.
func (b *bench) openLive(ctx context.Context, client *http.Client, agentID string) (*liveStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.runner.BaseURL+"/agent/stream", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+b.fixture.tokens[agentID])
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("stream of %s: %w", agentID, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("stream of %s: %s", agentID, resp.Status)
	}
	s := &liveStream{seen: map[string][]seqAt{}, ready: make(chan struct{}), more: make(chan struct{}, 1)}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = line[7:]
				if event == "ready" {
					close(s.ready)
				}
			case strings.HasPrefix(line, "data: ") && event == "chat":
				at := time.Now()
				var c struct {
					ID  string `json:"id"`
					Seq int    `json:"seq"`
				}
				if json.Unmarshal([]byte(line[6:]), &c) == nil {
					s.mu.Lock()
					s.seen[c.ID] = append(s.seen[c.ID], seqAt{c.Seq, at})
					s.mu.Unlock()
					select {
					case s.more <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
	return s, nil
}

// wait returns when the stream first showed chat id at seq or later.
func (s *liveStream) wait(ctx context.Context, id string, seq int) (time.Time, error) {
	for {
		s.mu.Lock()
		for _, e := range s.seen[id] {
			if e.seq >= seq {
				s.mu.Unlock()
				return e.at, nil
			}
		}
		s.mu.Unlock()
		select {
		case <-s.more:
		case <-time.After(50 * time.Millisecond): // another chat of the stream took the signal
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("chat %s never reached seq %d on its agent's stream: %w", id, seq, ctx.Err())
		}
	}
}

// entryTime is when the chat's line seq (the consumer's body) was stored: the commit time
// Firestore gave its document.
func (b *bench) entryTime(ctx context.Context, chatID string, seq int, body string) (time.Time, error) {
	snap, err := b.runner.Store.Client().Collection("sessions").Doc(chatID).Collection("transcript").Doc(fmt.Sprintf("%06d", seq)).Get(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("chat %s line %d: %w", chatID, seq, err)
	}
	if got, _ := snap.DataAt("body"); got != body {
		return time.Time{}, fmt.Errorf("chat %s line %d is %q, want the consumer's %q", chatID, seq, got, body)
	}
	return snap.CreateTime, nil
}

// listenerFloor is what a bare Firestore listener on one document takes: write → snapshot
// received, n times, through the runner's own (unmetered) client.
func (b *bench) listenerFloor(ctx context.Context, n int) ([]time.Duration, error) {
	doc := b.runner.Store.Client().Collection("benchFloor").Doc(fmt.Sprintf("d%d", time.Now().UnixNano()))
	if _, err := doc.Set(ctx, map[string]any{"n": 0}); err != nil {
		return nil, fmt.Errorf("floor: %w", err)
	}
	it := doc.Snapshots(ctx)
	defer it.Stop()
	if _, err := it.Next(); err != nil {
		return nil, fmt.Errorf("floor: first snapshot: %w", err)
	}
	out := make([]time.Duration, 0, n)
	for i := 1; i <= n; i++ {
		t0 := time.Now()
		if _, err := doc.Set(ctx, map[string]any{"n": i}); err != nil {
			return nil, fmt.Errorf("floor: write: %w", err)
		}
		for {
			snap, err := it.Next()
			if err != nil {
				return nil, fmt.Errorf("floor: snapshot: %w", err)
			}
			if v, _ := snap.DataAt("n"); v == int64(i) {
				break
			}
		}
		out = append(out, time.Since(t0))
	}
	return out, nil
}

func (r *liveResults) printTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "mode live: %d agents connected to /agent/stream, %d chats, %d texts each\n", r.Agents, r.Chats, r.Rounds)
	fmt.Fprintln(tw, "latency (ms)\tmedian\tp90\tp99\tmax")
	for _, row := range []struct {
		name string
		s    summary
	}{
		{"text stored → chat event on the agent's stream", r.LatencyMs.StoredToStream},
		{"floor: Firestore write → listener snapshot", r.LatencyMs.Floor},
	} {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\n", row.name, row.s.Median, row.s.P90, row.s.P99, row.s.Max)
	}
	fmt.Fprintln(tw, "per text, streams connected\treads\twrites\tpublishes")
	fmt.Fprintf(tw, "mid-chat text\t%.2f\t%.2f\t%.2f\n", r.PerText.Reads, r.PerText.Writes, r.PerText.Publishes)
	fmt.Fprintf(tw, "idle %.0f s, %d agents connected\t%d Firestore reads: %.3f per agent per minute (target < 1)\n",
		r.IdleSeconds, r.Agents, r.Idle.Reads, r.IdleReadsPerAgentMinute)
	fmt.Fprintf(tw, "wall time\t%.1f s\n", r.WallSeconds)
	tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}
