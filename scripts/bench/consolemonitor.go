package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/smsdesk/smsdesk/shared/session"
)

// The monitoring phase of mode console: a supervisor signed in holds
// /console/events?monitor=1, and re-reads /console/fragments/monitor on its events as the
// page does; one change at a time (an agent's status through the agent API, or a new chat
// queued with no agent free) runs from its commit in Firestore to the event and to the first
// re-read fragment showing it.

// benchSupervisor follows the bench's line on the monitoring page; they take no chats (their
// status is never set).
const benchSupervisor = "bench-supervisor"

// monitorShowWait is how long a change may take to show before it counts as missed.
const monitorShowWait = 10 * time.Second

type monitorResults struct {
	Changes   int `json:"changes"`
	LatencyMs struct {
		ChangeToEvent    summary `json:"changeToMonitorEvent"`
		ChangeToFragment summary `json:"changeToFragmentShowingIt"`
		AgentToEvent     summary `json:"agentStatusToEvent"`
		AgentToFragment  summary `json:"agentStatusToFragment"`
		ChatToEvent      summary `json:"chatQueuedToEvent"`
		ChatToFragment   summary `json:"chatQueuedToFragment"`
		Fetch            summary `json:"fragmentFetch"`
	} `json:"latencyMs"`
	// Missed is the changes no fragment showed within monitorShowWait.
	Missed int `json:"missed"`
	// Deferred is the events that came while a re-read was under way or waiting: the page
	// re-reads once more after it, so none is lost.
	Deferred      int `json:"eventsDeferred"`
	Fetches       int `json:"fragmentFetches"`
	FragmentBytes int `json:"fragmentBytes"`
	// ReadsPerFetch is the Firestore reads of one re-read, the floor quiet: what each second
	// of a busy floor costs an open monitoring page.
	ReadsPerFetch int64 `json:"firestoreReadsPerFragmentFetch"`
}

// monitorPage is the supervisor's open monitoring page: the fragments it re-read.
type monitorPage struct {
	u        *consoleUser
	mu       sync.Mutex
	inFlight bool
	again    bool
	last     time.Time
	deferred int
	fetches  []fragmentFetch
	more     chan struct{}
	errs     []error
}

type fragmentFetch struct {
	start, done time.Time
	body        string
}

// onEvent re-reads the fragment as the page does (functions/console/static/app.js): at
// once, or a second after the last re-read began; an event that comes while one is under way
// or waiting brings one more re-read after it.
func (p *monitorPage) onEvent(ctx context.Context, e sseEvent) {
	if e.kind != "chat" && e.kind != "agent" && e.kind != "reset" {
		return
	}
	p.mu.Lock()
	if p.inFlight {
		p.deferred++
		p.again = true
		p.mu.Unlock()
		return
	}
	p.inFlight = true
	p.mu.Unlock()
	go p.reread(ctx)
}

// reread re-reads the fragment until no event came during the last re-read.
func (p *monitorPage) reread(ctx context.Context) {
	for {
		p.mu.Lock()
		wait := time.Until(p.last.Add(time.Second))
		p.mu.Unlock()
		if wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		f := fragmentFetch{start: time.Now()}
		p.mu.Lock()
		p.last = f.start
		p.mu.Unlock()
		body, err := p.u.page(ctx, "/fragments/monitor")
		f.done, f.body = time.Now(), body
		p.mu.Lock()
		if err != nil {
			if ctx.Err() == nil {
				p.errs = append(p.errs, err)
			}
		} else {
			p.fetches = append(p.fetches, f)
			close(p.more)
			p.more = make(chan struct{})
		}
		if !p.again || ctx.Err() != nil {
			p.inFlight, p.again = false, false
			p.mu.Unlock()
			return
		}
		p.again = false
		p.mu.Unlock()
	}
}

// shown returns when the first fragment re-read that started after from contained marker.
func (p *monitorPage) shown(ctx context.Context, marker string, from time.Time) (time.Time, bool) {
	ctx, cancel := context.WithTimeout(ctx, monitorShowWait)
	defer cancel()
	for {
		p.mu.Lock()
		for _, f := range p.fetches {
			if !f.start.Before(from) && strings.Contains(f.body, marker) {
				p.mu.Unlock()
				return f.done, true
			}
		}
		more := p.more
		p.mu.Unlock()
		select {
		case <-more:
		case <-ctx.Done():
			return time.Time{}, false
		}
	}
}

// measureMonitor runs b.f.changes changes, agent status and queued chat in turn.
func (b *bench) measureMonitor(ctx context.Context, log *slog.Logger, t http.RoundTripper) (*monitorResults, error) {
	u, err := newConsoleUser(b.runner.BaseURL+"/console", t)
	if err != nil {
		return nil, err
	}
	if err := u.signIn(ctx, benchSupervisor, consolePassword(benchSupervisor)); err != nil {
		return nil, err
	}
	if body, err := u.page(ctx, "/monitor"); err != nil {
		return nil, err
	} else if !strings.Contains(body, `id="monitor"`) || !strings.Contains(body, "/events?monitor=1") {
		return nil, fmt.Errorf("the monitoring page has no live body: %.300s", body)
	}
	sctx, hangUp := context.WithCancel(ctx)
	defer hangUp()
	p := &monitorPage{u: u, more: make(chan struct{})}
	s, err := u.openEvents(sctx, "/events?monitor=1", func(e sseEvent) { p.onEvent(sctx, e) })
	if err != nil {
		return nil, err
	}
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("the monitoring stream never got ready: %w", ctx.Err())
	}
	b.settle(ctx, log)

	log.Info("monitoring: one change at a time, to the supervisor's page", "changes", b.f.changes)
	res := &monitorResults{Changes: b.f.changes}
	var toEvent, toFragment, agents, chats, agentEvents, chatEvents []time.Duration
	for k := range b.f.changes {
		var at, event, shownAt time.Time
		var ok bool
		if k%2 == 0 {
			id := b.fixture.agentIDs[(k/2)%len(b.fixture.agentIDs)]
			status := "away"
			if (k/2/len(b.fixture.agentIDs))%2 == 1 {
				status = "available" // the second pass over the agents brings them back
			}
			sent := time.Now()
			if err := b.setStatus(ctx, id, status); err != nil {
				return nil, err
			}
			// The change is the status's commit: nothing else writes the agent in this phase.
			snap, err := b.runner.Store.Client().Collection("agents").Doc(id).Get(ctx)
			if err != nil {
				return nil, fmt.Errorf("agent %s: %w", id, err)
			}
			at = snap.UpdateTime
			if event, err = s.first(ctx, "agent", id, sent); err != nil {
				return nil, err
			}
			agentEvents = append(agentEvents, event.Sub(at))
			shownAt, ok = p.shown(ctx, fmt.Sprintf(`data-agent=%q data-status=%q`, id, status), sent)
			if ok {
				agents = append(agents, shownAt.Sub(at))
			}
		} else {
			phone := fmt.Sprintf("+1555%07d", 5000000+k)
			sent := time.Now()
			if _, _, err := b.text(ctx, phone, "Is anyone there?"); err != nil {
				return nil, err
			}
			c, err := b.queuedChat(ctx, phone)
			if err != nil {
				return nil, err
			}
			// The chat is created queued (its entry queue is a leaf): the change is that commit,
			// not QueuedAt, which is the text's time and so includes its delivery to us.
			snap, err := b.runner.Store.Client().Collection("sessions").Doc(c.ID).Get(ctx)
			if err != nil {
				return nil, fmt.Errorf("chat %s: %w", c.ID, err)
			}
			at = snap.CreateTime
			if event, err = s.first(ctx, "chat", c.ID, sent); err != nil {
				return nil, err
			}
			chatEvents = append(chatEvents, event.Sub(at))
			shownAt, ok = p.shown(ctx, fmt.Sprintf(`data-chat=%q data-state="queued"`, c.ID), sent)
			if ok {
				chats = append(chats, shownAt.Sub(at))
			}
		}
		toEvent = append(toEvent, event.Sub(at))
		if !ok {
			res.Missed++
			continue
		}
		toFragment = append(toFragment, shownAt.Sub(at))
	}
	hangUp() // no more re-reads on events: one more, counted, with the floor quiet
	b.settle(ctx, log)
	quiet := b.meter.Snapshot()
	if _, err := u.page(ctx, "/fragments/monitor"); err != nil {
		return nil, err
	}
	res.ReadsPerFetch = b.meter.Snapshot().Sub(quiet).Reads
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.errs) > 0 {
		return nil, fmt.Errorf("re-reading the monitoring fragment: %w", p.errs[0])
	}
	var fetch []time.Duration
	for _, f := range p.fetches {
		fetch = append(fetch, f.done.Sub(f.start))
		res.FragmentBytes = len(f.body)
	}
	l := &res.LatencyMs
	l.ChangeToEvent, l.ChangeToFragment, l.Fetch = summarize(toEvent), summarize(toFragment), summarize(fetch)
	l.AgentToEvent, l.AgentToFragment = summarize(agentEvents), summarize(agents)
	l.ChatToEvent, l.ChatToFragment = summarize(chatEvents), summarize(chats)
	res.Deferred, res.Fetches = p.deferred, len(p.fetches)
	return res, nil
}

// queuedChat waits until phone's new chat is stored queued (no agent is free) and returns it.
func (b *bench) queuedChat(ctx context.Context, phone string) (session.Session, error) {
	for {
		c, err := b.runner.Store.Consumer(ctx, businessNumber, phone)
		if err == nil && c.ActiveSession != "" {
			s, err := b.runner.Store.Session(ctx, c.ActiveSession)
			if err != nil {
				return session.Session{}, fmt.Errorf("chat of %s: %w", phone, err)
			}
			switch s.State {
			case session.Queued:
				return s, nil
			case session.Assigned, session.Ended:
				return session.Session{}, fmt.Errorf("chat %s of %s is %s, want it queued (no agent free)", s.ID, phone, s.State)
			}
		}
		if err := sleep(ctx, 10*time.Millisecond); err != nil {
			return session.Session{}, fmt.Errorf("%s's chat never queued: %w", phone, err)
		}
	}
}

func (r *monitorResults) printTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "live monitoring: a supervisor on /console/monitor, %d changes one at a time (target: shown within 2 s)\n", r.Changes)
	fmt.Fprintln(tw, "latency (ms)\tmedian\tp90\tp99\tmax")
	l := r.LatencyMs
	for _, row := range []struct {
		name string
		s    summary
	}{
		{"change → event on the supervisor's stream", l.ChangeToEvent},
		{"change → re-read fragment showing it", l.ChangeToFragment},
		{"  agent status (agent API) → event", l.AgentToEvent},
		{"  agent status (agent API) → fragment", l.AgentToFragment},
		{"  chat queued → event", l.ChatToEvent},
		{"  chat queued → fragment", l.ChatToFragment},
		{"fragment re-read (GET /console/fragments/monitor)", l.Fetch},
	} {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\n", row.name, row.s.Median, row.s.P90, row.s.P99, row.s.Max)
	}
	fmt.Fprintf(tw, "changes never shown within %s\t%d\n", monitorShowWait, r.Missed)
	fmt.Fprintf(tw, "fragment re-reads\t%d (%d events came during one and brought one more), %d bytes, %d Firestore reads each\n", r.Fetches, r.Deferred, r.FragmentBytes, r.ReadsPerFetch)
	tw.Flush()
}
