package main

// Mode crm measures what bringing chats into the CRM costs and how soon they are there:
//
//	-mode crm [-crm firestore|none]   100 consumers text at once to 20 available agents
//	                                  (capacity 5); once every chat is connected (and its
//	                                  contact found or created), every agent ends their chats
//	                                  at once. Latency runs from assignedAt to the connected
//	                                  event in the CRM, and from the end call to the transcript
//	                                  in the CRM. Run it with -crm none for the baseline: the
//	                                  difference per chat is the CRM's cost.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/store"
)

const modeCRM = "crm"

type crmResults struct {
	Mode          string `json:"mode"`
	Adapter       string `json:"adapter"`
	Conversations int    `json:"conversations"`
	Agents        int    `json:"agents"`
	LatencyMs     struct {
		AssignedToConnectedInCRM *summary `json:"assignedToConnectedInCrm,omitempty"`
		EndCall                  summary  `json:"endCall"`
		EndToTranscriptInCRM     *summary `json:"endToTranscriptInCrm,omitempty"`
	} `json:"latencyMs"`
	Per struct {
		// Open is a chat from the first text to its connection (and contact) in the CRM.
		Open perText `json:"chatOpenedAndConnected"`
		// End is the agent ending the chat, the consumer's "ended" text and the end and
		// transcript in the CRM.
		End perText `json:"chatEndedAndRecorded"`
	} `json:"perChat"`
	WallSeconds float64 `json:"wallSeconds"`
}

// runCRM runs mode crm after warming up and prints its results.
func (b *bench) runCRM(ctx context.Context, log *slog.Logger, out io.Writer, start time.Time) error {
	if err := b.warmUp(ctx, log); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	res := &crmResults{Mode: modeCRM, Adapter: b.f.crm, Conversations: b.f.conversations, Agents: b.f.agents}
	synced := b.f.crm != config.CRMNone
	n := len(b.phones)

	log.Info("phase 1: chats open and connect", "consumers", n)
	before := b.meter.Snapshot()
	ids, sessions, err := b.openChats(ctx)
	if err != nil {
		return err
	}
	for i, s := range sessions {
		if s.AgentID == "" {
			return fmt.Errorf("chat of %s was never assigned", b.phones[i])
		}
	}
	if synced {
		seen, err := b.waitCRM(ctx, ids, func(st store.CRMSync) bool { return st.Started })
		if err != nil {
			return err
		}
		lat := make([]time.Duration, n)
		for i, s := range sessions {
			lat[i] = seen[i].Sub(s.AssignedAt)
		}
		res.LatencyMs.AssignedToConnectedInCRM = ptr(summarize(lat))
	}
	if err := b.waitDelivered(ctx, businessNumber, b.phones); err != nil {
		return err
	}
	res.Per.Open = per(b.settle(ctx, log).Sub(before), n)

	log.Info("phase 2: agents end every chat at once", "chats", n)
	before = b.meter.Snapshot()
	ended, calls := make([]time.Time, n), make([]time.Duration, n)
	err = forEach(ctx, n, func(ctx context.Context, i int) error {
		t := time.Now()
		err := b.api(ctx, sessions[i].AgentID, "POST", "/chats/"+ids[i]+"/end", nil, nil)
		ended[i], calls[i] = t, time.Since(t)
		return err
	})
	if err != nil {
		return err
	}
	res.LatencyMs.EndCall = summarize(calls)
	if synced {
		seen, err := b.waitCRM(ctx, ids, func(st store.CRMSync) bool { return st.Done })
		if err != nil {
			return err
		}
		lat := make([]time.Duration, n)
		for i := range ids {
			lat[i] = seen[i].Sub(ended[i])
		}
		res.LatencyMs.EndToTranscriptInCRM = ptr(summarize(lat))
	}
	res.Per.End = per(b.settle(ctx, log).Sub(before), n)
	res.WallSeconds = time.Since(start).Seconds()
	return report(out, b.f.json, res)
}

// waitCRM polls the chats' sync states (unmetered) until done holds for each, and returns when
// each was first seen so (to within the 50 ms poll).
func (b *bench) waitCRM(ctx context.Context, ids []string, done func(store.CRMSync) bool) ([]time.Time, error) {
	seen := make([]time.Time, len(ids))
	left := len(ids)
	for left > 0 {
		states, err := b.runner.Store.CRMStates(ctx, ids)
		if err != nil {
			return nil, err
		}
		now := time.Now()
		for i, id := range ids {
			if seen[i].IsZero() && done(states[id]) {
				seen[i] = now
				left--
			}
		}
		if left > 0 {
			if err := sleep(ctx, 50*time.Millisecond); err != nil {
				return nil, fmt.Errorf("%d chats not in the CRM: %w", left, err)
			}
		}
	}
	return seen, nil
}

func (r *crmResults) printTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "mode crm, adapter %s: %d chats, %d agents\n", r.Adapter, r.Conversations, r.Agents)
	fmt.Fprintln(tw, "latency (ms)\tmedian\tp90\tp99\tmax")
	row := func(name string, s *summary) {
		if s != nil {
			fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t%.0f\n", name, s.Median, s.P90, s.P99, s.Max)
		}
	}
	row("assignedAt → connected in the CRM", r.LatencyMs.AssignedToConnectedInCRM)
	row("end call", &r.LatencyMs.EndCall)
	row("end call → transcript in the CRM", r.LatencyMs.EndToTranscriptInCRM)
	fmt.Fprintln(tw, "per chat\treads\twrites\tpublishes")
	for _, p := range []struct {
		name string
		c    perText
	}{{"opened and connected", r.Per.Open}, {"ended and recorded", r.Per.End}} {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\n", p.name, p.c.Reads, p.c.Writes, p.c.Publishes)
	}
	fmt.Fprintf(tw, "wall time\t%.1f s\n", r.WallSeconds)
	tw.Flush()
}
