package main

// The assignment modes measure how fast queued chats reach agents and what an assignment costs:
//
//	-mode assign            100 chats queue while all 20 agents (capacity 5) are offline; then
//	                        every agent goes available at once (PUT /agent/status), which
//	                        assigns the backlog. Latency runs from the status calls' start.
//	-mode assign-arrivals   20 agents are available first; then 100 consumers text at once.
//	                        Latency runs from the chat's queuedAt to its assignedAt.
//
// Both default to 100 conversations, 20 agents, capacity 5 and 500 messages a second; the
// flags given explicitly win.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/smsdesk/smsdesk/shared/metering"
	"github.com/smsdesk/smsdesk/shared/session"
)

const (
	modeTexts          = "texts"
	modeAssign         = "assign"
	modeAssignArrivals = "assign-arrivals"

	// smsHoldLimit is the longest the gate holds "assigned" messages at the carrier in mode
	// assign: the functions' carrier client gives up after 10 s, and a timed-out send would be
	// retried and counted twice.
	smsHoldLimit = 7 * time.Second
	// stallAfter is how long the meter must be still, with chats still queued, before the
	// bench concludes nothing will assign them.
	stallAfter = 3 * time.Second
)

// modeDefaults checks -mode and, for the assignment modes, sets the scenario's sizes for the
// flags not given.
func modeDefaults(f *flags) {
	switch f.mode {
	case modeTexts:
		return
	case modeReports:
		if f.agents <= 0 {
			f.agents = 50
		}
		return
	case modeListeners:
		return
	case modeAssign, modeAssignArrivals, modeCRM, modeLive, modeConsole:
	default:
		fmt.Fprintf(os.Stderr, "unknown -mode %q: want %s, %s, %s, %s, %s, %s, %s, %s, %s or %s\n", f.mode, modeTexts, modeAssign, modeAssignArrivals, modeBulk, modeCRM, modeLive, modeConsole, modePrice, modeReports, modeListeners)
		os.Exit(2)
	}
	set := map[string]bool{}
	flag.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if f.mode == modeLive || f.mode == modeConsole {
		liveDefaults(f, set)
		return
	}
	if !set["conversations"] {
		f.conversations = 100
	}
	if !set["agents"] {
		f.agents = 20
	}
	if !set["capacity"] {
		f.capacity = 5
	}
	if !set["mps"] {
		f.mps = 500
	}
}

// initialStatus is the agents' status as the bench starts: offline in mode assign, so that
// the chats queue; available otherwise.
func initialStatus(mode string) string {
	if mode == modeAssign {
		return "offline"
	}
	return "available"
}

// assignResults are what the assignment modes report.
type assignResults struct {
	Mode          string `json:"mode"`
	Conversations int    `json:"conversations"`
	Agents        int    `json:"agents"`
	Capacity      int    `json:"capacity"`
	Assigned      int    `json:"assigned"`
	StillQueued   int    `json:"stillQueued"`
	LatencyMs     struct {
		// mode assign
		StatusToAssigned *summary `json:"statusCallStartToAssigned,omitempty"`
		StatusCall       *summary `json:"statusCall,omitempty"`
		AckQueuingText   *summary `json:"ackQueuingText,omitempty"`
		// mode assign-arrivals
		AckFirstText        *summary `json:"ackFirstText,omitempty"`
		FirstTextToAssigned *summary `json:"firstTextToAssignedSms,omitempty"`
		// both
		QueuedToAssigned summary `json:"queuedToAssigned"`
	} `json:"latencyMs"`
	Per struct {
		// mode assign, per assignment
		Assignment              *perText `json:"assignment,omitempty"`
		AssignmentWithoutSMS    *perText `json:"assignmentWithoutAssignedSms,omitempty"`
		AssignedSMSDelivery     *perText `json:"assignedSmsDelivery,omitempty"`
		QueuingText             *perText `json:"queuingText,omitempty"`
		FirstTextWithAssignment *perText `json:"firstTextInclAssignment,omitempty"`
	} `json:"per"`
	// FirstTextByCollection is where mode assign-arrivals' reads and writes went, per first
	// text: what differs between -agents 20 and 200.
	FirstTextByCollection byCollection `json:"perFirstTextByCollection,omitempty"`
	Totals                struct {
		Queuing        *metering.Counts `json:"queuingPhase,omitempty"`
		Assignment     metering.Counts  `json:"assignmentPhase"`
		WithoutSMS     *metering.Counts `json:"assignmentPhaseSmsHeld,omitempty"`
		SMSHeld        int64            `json:"sendsHeldAtSnapshot"`
		SMSHoldExpired bool             `json:"smsHoldExpired"`
	} `json:"totals"`
	PhaseSeconds struct {
		Queue  float64 `json:"queue,omitempty"`
		Assign float64 `json:"assign"`
	} `json:"phaseSeconds"`
	WallSeconds float64  `json:"wallSeconds"`
	Notes       []string `json:"notes,omitempty"`
}

// runAssign runs an assignment mode after warming up and prints its results.
func (b *bench) runAssign(ctx context.Context, log *slog.Logger, out io.Writer, start time.Time) error {
	if err := b.warmUp(ctx, log); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	res := &assignResults{Mode: b.f.mode, Conversations: b.f.conversations, Agents: b.f.agents, Capacity: b.f.capacity}
	var err error
	if b.f.mode == modeAssign {
		err = b.assignBacklog(ctx, log, res)
	} else {
		err = b.assignArrivals(ctx, log, res)
	}
	if err != nil {
		return err
	}
	if res.StillQueued > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d of %d chats were never assigned: nothing assigned them once the meter stopped moving (per-assignment counts divide by the %d assigned)", res.StillQueued, res.Conversations, res.Assigned))
	}
	res.WallSeconds = time.Since(start).Seconds()
	return report(out, b.f.json, res)
}

// assignBacklog is mode assign. Phase A queues a chat per consumer while every agent is
// offline; phase B sets every agent available at once and measures the assignments.
func (b *bench) assignBacklog(ctx context.Context, log *slog.Logger, res *assignResults) error {
	n := len(b.phones)
	log.Info("phase A: chats queue, agents offline", "consumers", n)
	acks := make([]time.Duration, n)
	before, t := b.meter.Snapshot(), time.Now()
	err := forEach(ctx, n, func(ctx context.Context, i int) error {
		_, ack, err := b.text(ctx, b.phones[i], fmt.Sprintf("Hello, consumer %d here", i))
		acks[i] = ack
		return err
	})
	if err != nil {
		return fmt.Errorf("phase A: %w", err)
	}
	// The "in line" message is the only one to the consumer so far.
	if err := b.waitDelivered(ctx, businessNumber, b.phones); err != nil {
		return fmt.Errorf("phase A: %w", err)
	}
	queuing := b.settle(ctx, log).Sub(before)
	res.PhaseSeconds.Queue = time.Since(t).Seconds()
	res.Totals.Queuing, res.Per.QueuingText = &queuing, ptr(per(queuing, n))
	res.LatencyMs.AckQueuingText = ptr(summarize(acks))
	ids, err := b.sessionIDs(ctx)
	if err != nil {
		return err
	}
	sessions, err := b.sessions(ctx, ids)
	if err != nil {
		return err
	}
	for i, s := range sessions {
		if s.State != session.Queued {
			return fmt.Errorf("phase A: chat of %s is %s, want queued", b.phones[i], s.State)
		}
	}

	agents := b.fixture.agentIDs
	log.Info("phase B: every agent goes available", "agents", len(agents), "queued", n)
	smsDone := make([]<-chan time.Time, n)
	for i, p := range b.phones {
		smsDone[i] = b.watch.expect(p)
	}
	b.gate.hold(smsHoldLimit)
	calls := make([]time.Duration, len(agents))
	before = b.meter.Snapshot()
	t0 := time.Now()
	err = forEach(ctx, len(agents), func(ctx context.Context, i int) error {
		start := time.Now()
		err := b.setStatus(ctx, agents[i], "available")
		calls[i] = time.Since(start)
		return err
	})
	if err != nil {
		b.gate.open()
		return fmt.Errorf("phase B: %w", err)
	}
	res.LatencyMs.StatusCall = ptr(summarize(calls))
	// Becoming available assigns synchronously, so the chats are assigned by now; read them
	// (unmetered) until all are, or until the meter has been still for stallAfter.
	sessions, err = b.waitAssigned(ctx, ids)
	if err != nil {
		b.gate.open()
		return err
	}
	res.PhaseSeconds.Assign = time.Since(t0).Seconds()
	mid := b.settle(ctx, log)
	res.Totals.SMSHeld = b.gate.held.Load()
	res.Totals.SMSHoldExpired = !b.gate.open()
	withoutSMS := mid.Sub(before)
	var toAssigned, queuedToAssigned []time.Duration
	var assignedPhones []string
	for i, s := range sessions {
		if s.State == session.Queued {
			res.StillQueued++
			continue
		}
		toAssigned = append(toAssigned, s.AssignedAt.Sub(t0))
		queuedToAssigned = append(queuedToAssigned, s.AssignedAt.Sub(s.QueuedAt))
		assignedPhones = append(assignedPhones, b.phones[i])
		select {
		case <-smsDone[i]:
		case <-ctx.Done():
			return fmt.Errorf("phase B: consumer %s was never told an agent took the chat: %w", b.phones[i], context.Cause(ctx))
		}
	}
	res.Assigned = len(assignedPhones)
	if err := b.waitDelivered(ctx, businessNumber, assignedPhones); err != nil {
		return fmt.Errorf("phase B: %w", err)
	}
	total := b.settle(ctx, log).Sub(before)
	if err := b.countAssignedTo(assignedPhones); err != nil {
		return err
	}
	res.LatencyMs.StatusToAssigned = ptr(summarize(toAssigned))
	res.LatencyMs.QueuedToAssigned = summarize(queuedToAssigned)
	res.Totals.Assignment = total
	if res.Assigned > 0 {
		res.Per.Assignment = ptr(per(total, res.Assigned))
		if !res.Totals.SMSHoldExpired {
			res.Totals.WithoutSMS = &withoutSMS
			res.Per.AssignmentWithoutSMS = ptr(per(withoutSMS, res.Assigned))
			res.Per.AssignedSMSDelivery = ptr(per(total.Sub(withoutSMS), res.Assigned))
		} else {
			res.Notes = append(res.Notes, fmt.Sprintf("the \"assigned\" messages were held at the carrier for %s at most and were released before the meter was still: no split without the SMS", smsHoldLimit))
		}
	}
	return nil
}

// assignArrivals is mode assign-arrivals: every agent is available (setup did that) and every
// consumer texts at once.
func (b *bench) assignArrivals(ctx context.Context, log *slog.Logger, res *assignResults) error {
	n := len(b.phones)
	log.Info("first texts to available agents", "consumers", n, "agents", b.f.agents)
	smsDone := make([]<-chan time.Time, n)
	for i, p := range b.phones {
		smsDone[i] = b.watch.expect(p)
	}
	acks, sent := make([]time.Duration, n), make([]time.Time, n)
	before, beforeByCollection, t := b.meter.Snapshot(), b.meter.ByCollection(), time.Now()
	err := forEach(ctx, n, func(ctx context.Context, i int) error {
		sent[i] = time.Now()
		_, ack, err := b.text(ctx, b.phones[i], fmt.Sprintf("Hello, consumer %d here", i))
		acks[i] = ack
		return err
	})
	if err != nil {
		return err
	}
	// Wait for every "assigned" message, or until the meter has been still for stallAfter.
	toSMS := make([]time.Duration, 0, n)
	got := make([]bool, n)
	last, since := b.meter.Snapshot(), time.Now()
	for len(toSMS) < n && time.Since(since) < stallAfter {
		for i, ch := range smsDone {
			if got[i] {
				continue
			}
			select {
			case at := <-ch:
				got[i] = true
				toSMS = append(toSMS, at.Sub(sent[i]))
				since = time.Now()
			default:
			}
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for the \"assigned\" messages: %w", err)
		}
		if now := b.meter.Snapshot(); now != last {
			last, since = now, time.Now()
		}
	}
	res.PhaseSeconds.Assign = time.Since(t).Seconds()
	if err := b.waitDelivered(ctx, businessNumber, b.phones); err != nil {
		return err
	}
	total := b.settle(ctx, log).Sub(before)
	ids, err := b.sessionIDs(ctx)
	if err != nil {
		return err
	}
	sessions, err := b.sessions(ctx, ids)
	if err != nil {
		return err
	}
	var queuedToAssigned []time.Duration
	var assignedPhones []string
	for i, s := range sessions {
		if s.State == session.Queued {
			res.StillQueued++
			continue
		}
		queuedToAssigned = append(queuedToAssigned, s.AssignedAt.Sub(s.QueuedAt))
		assignedPhones = append(assignedPhones, b.phones[i])
	}
	res.Assigned = len(assignedPhones)
	if err := b.countAssignedTo(assignedPhones); err != nil {
		return err
	}
	res.LatencyMs.AckFirstText = ptr(summarize(acks))
	res.LatencyMs.FirstTextToAssigned = ptr(summarize(toSMS))
	res.LatencyMs.QueuedToAssigned = summarize(queuedToAssigned)
	res.Totals.Assignment = total
	res.Per.FirstTextWithAssignment = ptr(per(total, n))
	res.FirstTextByCollection = breakdownPer(b.meter.ByCollection(), beforeByCollection, n)
	return nil
}

func (r *assignResults) printTable(w io.Writer) {
	title := "assignment of a backlog: agents come online"
	if r.Mode == modeAssignArrivals {
		title = "assignment on arrival: agents available"
	}
	fmt.Fprintf(w, "smsdesk bench -mode %s (%s): %d chats, %d agents × capacity %d; %d assigned, %d still queued\n\n",
		r.Mode, title, r.Conversations, r.Agents, r.Capacity, r.Assigned, r.StillQueued)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "latency (ms)\tmedian\tp90\tp99\tmax\t")
	l := r.LatencyMs
	row := func(name string, s *summary) {
		if s != nil {
			fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t\n", name, s.Median, s.P90, s.P99, s.Max)
		}
	}
	row("webhook ack, first text (queues the chat)", l.AckQueuingText)
	row("status calls start → chat assigned (assignedAt)", l.StatusToAssigned)
	row("PUT /agent/status call (20 at once)", l.StatusCall)
	row("webhook ack, first text", l.AckFirstText)
	row("first text → \"assigned\" SMS sent", l.FirstTextToAssigned)
	label := "queued → assigned (assignedAt − queuedAt)"
	if r.Mode == modeAssign {
		label += ", incl. the wait offline"
	}
	row(label, &l.QueuedToAssigned)
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "per chat\tFirestore reads\tFirestore writes\tPub/Sub publishes\t")
	prow := func(name string, p *perText) {
		if p != nil {
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t\n", name, p.Reads, p.Writes, p.Publishes)
		}
	}
	prow("first text that queues (incl. \"in line\" SMS), phase A", r.Per.QueuingText)
	prow("assignment, phase B total (incl. status calls, \"assigned\" SMS)", r.Per.Assignment)
	prow("  assignment excl. \"assigned\" SMS delivery", r.Per.AssignmentWithoutSMS)
	prow("  \"assigned\" SMS delivery", r.Per.AssignedSMSDelivery)
	prow("per first text incl. assignment (and its SMS)", r.Per.FirstTextWithAssignment)
	tw.Flush()
	if r.Mode == modeAssign {
		fmt.Fprintf(w, "\nthe 20 status calls' own work (token look-up, status write, agent read) is in phase B, spread over the assignments;\n"+
			"\"excl. SMS\" is metered while the carrier held the sends (%d held then; their claims count as assignment)\n", r.Totals.SMSHeld)
		fmt.Fprintf(w, "phases: queue %.1f s, assign %.1f s; ", r.PhaseSeconds.Queue, r.PhaseSeconds.Assign)
	} else {
		fmt.Fprintf(w, "\nphase: %.1f s; ", r.PhaseSeconds.Assign)
	}
	fmt.Fprintf(w, "wall time %.1f s\n", r.WallSeconds)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}
