package main

// Mode console measures the browser console's live push (GET /console/events, server-sent
// events fed by the same Firestore listeners as /agent/stream):
//
//	-mode console [-agents 50] [-rounds 5] [-idle 60s] [-changes 20]
//	    every agent (capacity 1) gets a chat, signs in to the console with id and password
//	    (cookie session; the top bar's status form is posted with the page's CSRF token) and
//	    holds /console/events open. In each round every consumer texts at once; latency runs
//	    from the text's transcript line as stored (its commit time) to the "chat" event for that
//	    chat on its agent's console stream, beside the floor of the same run (a bare Firestore
//	    listener, write → snapshot) and the same texts' webhook → stored. Then -idle with every
//	    console connected and nothing happening: the Firestore reads per console per minute.
//	    Then the first load of the console (consoleload.go) and live monitoring
//	    (consolemonitor.go).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/smsdesk/smsdesk/shared/metering"
)

const modeConsole = "console"

// consolePassword is every bench agent's console password (the catalog stores its hash).
func consolePassword(agentID string) string { return agentID + "-bench-password" }

type consoleResults struct {
	Mode      string `json:"mode"`
	Agents    int    `json:"agents"`
	Chats     int    `json:"chats"`
	Rounds    int    `json:"rounds"`
	LatencyMs struct {
		StoredToConsole summary `json:"textStoredToConsoleEvent"`
		WebhookToStored summary `json:"textWebhookToStored"`
		// WebhookToConsole is each text's webhook → the console event that showed it.
		WebhookToConsole summary `json:"textWebhookToConsoleEvent"`
		Floor            summary `json:"floorFirestoreWriteToSnapshot"`
		SignIn           summary `json:"signIn"`
	} `json:"latencyMs"`
	// Visible is webhook → console event over webhook → stored, median and p99, against
	// issue 17's target (≤ 1.5×); MedianOverFloor is the distance to the floor.
	Visible                 ratio           `json:"visibleOverStored"`
	MedianOverFloor         float64         `json:"medianConsoleEventOverFloor"`
	PerText                 perText         `json:"perTextWithConsolesConnected"`
	IdleSeconds             float64         `json:"idleSeconds"`
	Idle                    metering.Counts `json:"idle"`
	IdleReadsPerAgentMinute float64         `json:"idleReadsPerConsolePerMinute"`
	Load                    *consoleLoad    `json:"firstLoad,omitempty"`
	Monitor                 *monitorResults `json:"monitoring,omitempty"`
	WallSeconds             float64         `json:"wallSeconds"`
	Notes                   []string        `json:"notes,omitempty"`
}

// runConsole runs mode console after warming up and prints its results.
func (b *bench) runConsole(ctx context.Context, log *slog.Logger, out io.Writer, start time.Time) error {
	ids, sessions, err := b.openQuietChats(ctx, log)
	if err != nil {
		return err
	}
	n := len(b.phones)
	res := &consoleResults{Mode: modeConsole, Agents: b.f.agents, Chats: n, Rounds: b.f.rounds}

	log.Info("agents sign in to the console and hold /console/events open", "agents", len(b.fixture.agentIDs))
	sctx, hangUp := context.WithCancel(ctx)
	defer hangUp()
	transport := newHTTPClient(len(b.fixture.agentIDs)).Transport
	streams := make(map[string]*consoleStream, len(b.fixture.agentIDs))
	signIns := make([]time.Duration, len(b.fixture.agentIDs))
	var mu sync.Mutex
	err = forEach(ctx, len(b.fixture.agentIDs), func(ctx context.Context, i int) error {
		id := b.fixture.agentIDs[i]
		u, err := newConsoleUser(b.runner.BaseURL+"/console", transport)
		if err != nil {
			return err
		}
		t0 := time.Now()
		if err := u.signIn(ctx, id, consolePassword(id)); err != nil {
			return err
		}
		signIns[i] = time.Since(t0)
		if err := u.setStatus(ctx, "available"); err != nil {
			return err
		}
		s, err := u.openEvents(sctx, "/events", nil)
		if err != nil {
			return fmt.Errorf("console of %s: %w", id, err)
		}
		select {
		case <-s.ready:
		case <-ctx.Done():
			return fmt.Errorf("the console stream of %s never got ready: %w", id, ctx.Err())
		}
		mu.Lock()
		streams[id] = s
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	res.LatencyMs.SignIn = summarize(signIns)
	b.settle(ctx, log)

	floor, err := b.listenerFloor(ctx, 50)
	if err != nil {
		return err
	}
	res.LatencyMs.Floor = summarize(floor)

	log.Info("consumers text; agents' consoles get the event", "rounds", b.f.rounds, "chats", n)
	before := b.meter.Snapshot()
	var visible, stored, total []time.Duration
	for r := range b.f.rounds {
		current, err := b.sessions(ctx, ids)
		if err != nil {
			return err
		}
		err = forEach(ctx, n, func(ctx context.Context, i int) error {
			s := current[i]
			st := streams[sessions[i].AgentID]
			if st == nil {
				return fmt.Errorf("chat %s has no connected console (%q)", s.ID, sessions[i].AgentID)
			}
			body := fmt.Sprintf("console %d, round %d", i, r)
			sent := time.Now()
			if _, _, err := b.text(ctx, b.phones[i], body); err != nil {
				return err
			}
			if _, err := st.first(ctx, "chat", s.ID, sent); err != nil {
				return err
			}
			at, err := b.entryTime(ctx, s.ID, s.Seq+1, body)
			if err != nil {
				return err
			}
			// The event that shows this text is the first one after its line was committed
			// (an earlier one after the webhook was another change of the chat).
			got, err := st.first(ctx, "chat", s.ID, at)
			if err != nil {
				return err
			}
			mu.Lock()
			visible, stored = append(visible, got.Sub(at)), append(stored, at.Sub(sent))
			total = append(total, got.Sub(sent))
			mu.Unlock()
			return nil
		})
		if err != nil {
			return fmt.Errorf("round %d: %w", r+1, err)
		}
	}
	l := &res.LatencyMs
	l.StoredToConsole, l.WebhookToStored, l.WebhookToConsole = summarize(visible), summarize(stored), summarize(total)
	res.Visible = newRatio("mid-chat text → console event", l.WebhookToConsole, "mid-chat text → stored", l.WebhookToStored, visibleOverStoredLimit)
	if l.Floor.Median > 0 {
		res.MedianOverFloor = l.StoredToConsole.Median / l.Floor.Median
	}
	res.PerText = per(b.settle(ctx, log).Sub(before), n*b.f.rounds)

	log.Info("idle: every console connected, nothing happens", "for", b.f.idle)
	before, t0 := b.meter.Snapshot(), time.Now()
	if err := sleep(ctx, b.f.idle); err != nil {
		return err
	}
	res.Idle, res.IdleSeconds = b.meter.Snapshot().Sub(before), time.Since(t0).Seconds()
	res.IdleReadsPerAgentMinute = float64(res.Idle.Reads) / float64(len(streams)) / (res.IdleSeconds / 60)
	for id, s := range streams {
		if k := s.count("reset"); k > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("the console of %s got %d resets (it fell behind)", id, k))
		}
	}

	if res.Load, err = b.measureConsoleLoad(ctx, b.fixture.agentIDs[0]); err != nil {
		return fmt.Errorf("first load: %w", err)
	}
	if res.Monitor, err = b.measureMonitor(ctx, log, transport); err != nil {
		return fmt.Errorf("monitoring: %w", err)
	}
	res.WallSeconds = time.Since(start).Seconds()
	return report(out, b.f.json, res)
}

func (r *consoleResults) printTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "mode console: %d agents signed in with /console/events open, %d chats, %d texts each\n", r.Agents, r.Chats, r.Rounds)
	fmt.Fprintln(tw, "latency (ms)\tmedian\tp90\tp99\tmax")
	l := r.LatencyMs
	for _, row := range []struct {
		name string
		s    summary
	}{
		{"text stored → chat event on the agent's console", l.StoredToConsole},
		{"floor: Firestore write → listener snapshot", l.Floor},
		{"text webhook → stored", l.WebhookToStored},
		{"console sign-in (page, password, inbox)", l.SignIn},
	} {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\n", row.name, row.s.Median, row.s.P90, row.s.P99, row.s.Max)
	}
	fmt.Fprintf(tw, "median stored → event over the floor\t%.2f×\n", r.MedianOverFloor)
	fmt.Fprintf(tw, "webhook → console event over webhook → stored, median / p99\t%.2f× / %.2f× (issue 17's target ≤ %g×: %s)\n",
		r.Visible.MedianRatio, r.Visible.P99Ratio, r.Visible.Target, passFail(r.Visible.Pass != nil && *r.Visible.Pass))
	fmt.Fprintln(tw, "per text, consoles connected\treads\twrites\tpublishes")
	fmt.Fprintf(tw, "mid-chat text\t%.2f\t%.2f\t%.2f\n", r.PerText.Reads, r.PerText.Writes, r.PerText.Publishes)
	fmt.Fprintf(tw, "idle %.0f s, %d consoles connected\t%d Firestore reads: %.3f per console per minute (target < 1)\n",
		r.IdleSeconds, r.Agents, r.Idle.Reads, r.IdleReadsPerAgentMinute)
	tw.Flush()
	if r.Load != nil {
		fmt.Fprintln(w)
		r.Load.printTable(w)
	}
	if r.Monitor != nil {
		fmt.Fprintln(w)
		r.Monitor.printTable(w)
	}
	fmt.Fprintf(w, "\nwall time %.1f s\n", r.WallSeconds)
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}
