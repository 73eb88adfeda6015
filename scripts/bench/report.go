package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/smsdesk/smsdesk/shared/metering"
)

// summary is a latency distribution in milliseconds.
type summary struct {
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	P99    float64 `json:"p99"`
	Max    float64 `json:"max"`
}

// summarize takes nearest-rank percentiles of ds.
func summarize(ds []time.Duration) summary {
	if len(ds) == 0 {
		return summary{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		i = max(0, min(i, len(s)-1))
		return ms(s[i])
	}
	return summary{Median: rank(0.5), P90: rank(0.9), P99: rank(0.99), Max: ms(s[len(s)-1])}
}

// report prints a mode's results as indented JSON, or as its table.
func report(out io.Writer, asJSON bool, res interface{ printTable(io.Writer) }) error {
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	res.printTable(out)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// perText is what one consumer text costs on average, including the messages it causes and
// their delivery.
type perText struct {
	Reads     float64 `json:"firestoreReads"`
	Writes    float64 `json:"firestoreWrites"`
	Publishes float64 `json:"pubsubPublishes"`
}

type results struct {
	Conversations int `json:"conversations"`
	Agents        int `json:"agents"`
	Capacity      int `json:"capacity"`
	LatencyMs     struct {
		AckFirstText          summary `json:"ackFirstText"`
		FirstTextToAssigned   summary `json:"firstTextToAssignedSms"`
		AckMidChat            summary `json:"ackMidChat"`
		MidChatToStored       summary `json:"midChatToStored"`
		AckMidChatPolling     summary `json:"ackMidChatWhileAgentsPoll"`
		MidChatToAgentVisible summary `json:"midChatToAgentVisible"`
	} `json:"latencyMs"`
	// FloorsMs are the floors of the same run (floors.go); Ratios the latencies over them.
	FloorsMs floorsMs `json:"floorsMs"`
	Ratios   []ratio  `json:"overFloor"`
	PerText  struct {
		FirstText   perText `json:"firstText"`
		MidChatText perText `json:"midChatText"`
	} `json:"perText"`
	ByCollection textBreakdown `json:"perTextByCollection"`
	Totals       struct {
		FirstTexts   metering.Counts `json:"firstTexts"`
		MidChatTexts metering.Counts `json:"midChatTexts"`
		PollingPhase metering.Counts `json:"agentVisiblePhase"`
		AgentPolls   int             `json:"agentPolls"`
	} `json:"totals"`
	PhaseSeconds struct {
		Open    float64 `json:"open"`
		MidChat float64 `json:"midChat"`
		Visible float64 `json:"agentVisible"`
	} `json:"phaseSeconds"`
	WallSeconds float64 `json:"wallSeconds"`
}

func (r *results) printTable(w io.Writer) {
	fmt.Fprintf(w, "smsdesk bench: %d conversations, %d agents × capacity %d\n\n", r.Conversations, r.Agents, r.Capacity)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "latency (ms)\tmedian\tp90\tp99\tmax\t")
	l := r.LatencyMs
	for _, row := range []struct {
		name string
		s    summary
	}{
		{"webhook ack, first text", l.AckFirstText},
		{"first text → \"assigned\" SMS sent", l.FirstTextToAssigned},
		{"webhook ack, mid-chat text", l.AckMidChat},
		{"mid-chat text → stored (2a)", l.MidChatToStored},
		{"webhook ack, mid-chat text, agents polling", l.AckMidChatPolling},
		{"mid-chat text → visible in agent API (2b)", l.MidChatToAgentVisible},
	} {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t\n", row.name, row.s.Median, row.s.P90, row.s.P99, row.s.Max)
	}
	tw.Flush()
	fmt.Fprintln(w)
	r.printFloors(w)
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "per text, incl. replies and their delivery\tFirestore reads\tFirestore writes\tPub/Sub publishes\t")
	for _, row := range []struct {
		name string
		p    perText
	}{{"first text (opens and assigns a chat)", r.PerText.FirstText}, {"mid-chat text", r.PerText.MidChatText}} {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t\n", row.name, row.p.Reads, row.p.Writes, row.p.Publishes)
	}
	tw.Flush()
	r.ByCollection.print(w)
	fmt.Fprintf(w, "\nphases: open %.1f s, mid-chat %.1f s, agent-visible %.1f s (%d agent API polls); wall time %.1f s\n",
		r.PhaseSeconds.Open, r.PhaseSeconds.MidChat, r.PhaseSeconds.Visible, r.Totals.AgentPolls, r.WallSeconds)
}
