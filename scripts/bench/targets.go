package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Issue 17's targets for mode texts: each latency over its floor, median and p99.
const (
	ackOverFloorTarget    = 1.5 // webhook ack ≤ 1.5 × (Firestore create + publish)
	storedOverFloorTarget = 2   // text → stored ≤ 2 × (publish → delivery → transaction)
	// text → visible to the agent (the console's push, mode console) ≤ 1.5 × text → stored;
	// mode texts shows the agent API's polling beside it, for the record.
	visibleOverStoredLimit = 1.5
)

// ratio is one latency beside what it is compared with. Target is the most the ratios may
// be (0: none, shown for the record); Pass says both the median's and the p99's are within it.
type ratio struct {
	Figure      string  `json:"figure"`
	Over        string  `json:"over"`
	MedianMs    float64 `json:"medianMs"`
	P99Ms       float64 `json:"p99Ms"`
	OverMedian  float64 `json:"overMedianMs"`
	OverP99     float64 `json:"overP99Ms"`
	MedianRatio float64 `json:"medianRatio"`
	P99Ratio    float64 `json:"p99Ratio"`
	Target      float64 `json:"target,omitempty"`
	Pass        *bool   `json:"pass,omitempty"`
}

func newRatio(figure string, s summary, over string, base summary, target float64) ratio {
	r := ratio{Figure: figure, Over: over, MedianMs: s.Median, P99Ms: s.P99, OverMedian: base.Median, OverP99: base.P99, Target: target}
	if base.Median > 0 {
		r.MedianRatio = s.Median / base.Median
	}
	if base.P99 > 0 {
		r.P99Ratio = s.P99 / base.P99
	}
	if target > 0 {
		// A ratio without a floor (0) cannot pass.
		pass := r.MedianRatio > 0 && r.P99Ratio > 0 && r.MedianRatio <= target && r.P99Ratio <= target
		r.Pass = &pass
	}
	return r
}

// ratios are mode texts' latencies over their floors.
func (r *results) ratios() []ratio {
	l, f := r.LatencyMs, r.FloorsMs
	const create, deliver, stored = "Firestore create + ordered publish", "publish → delivery → transaction", "mid-chat text → stored (2a)"
	return []ratio{
		newRatio("webhook ack, first text", l.AckFirstText, create, f.CreateAndPublish, ackOverFloorTarget),
		newRatio("webhook ack, mid-chat text", l.AckMidChat, create, f.CreateAndPublish, ackOverFloorTarget),
		newRatio("webhook ack, mid-chat text, agents polling", l.AckMidChatPolling, create, f.CreateAndPublish, ackOverFloorTarget),
		newRatio("first text → \"assigned\" SMS sent", l.FirstTextToAssigned, deliver, f.PublishTransaction, 0),
		newRatio("mid-chat text → stored (2a)", l.MidChatToStored, deliver, f.PublishTransaction, storedOverFloorTarget),
		newRatio("mid-chat text → visible in agent API (2b)", l.MidChatToAgentVisible, stored, l.MidChatToStored, 0),
	}
}

// printFloors prints the floors and every latency over its floor, with the targets.
func (r *results) printFloors(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "floors, %d at once (ms)\tmedian\tp90\tp99\tmax\t\n", r.Conversations)
	for _, row := range []struct {
		name string
		s    summary
	}{
		{"one ordered publish", r.FloorsMs.Publish},
		{"Firestore create + ordered publish", r.FloorsMs.CreateAndPublish},
		{"publish → delivery → transaction", r.FloorsMs.PublishTransaction},
	} {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t\n", row.name, row.s.Median, row.s.P90, row.s.P99, row.s.Max)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "latency over its floor\tover\tmedian\tp99\ttarget\tresult\t")
	for _, x := range r.Ratios {
		target, verdict := "—", ""
		if x.Pass != nil {
			target, verdict = fmt.Sprintf("≤ %g×", x.Target), "FAIL"
			if *x.Pass {
				verdict = "PASS"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", x.Figure, x.Over, formatRatio(x.MedianRatio), formatRatio(x.P99Ratio), target, verdict)
	}
	tw.Flush()
}

func formatRatio(r float64) string { return fmt.Sprintf("%.2f×", r) }
