package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/smsdesk/smsdesk/shared/metering"
)

// collectionCost is one collection's share of what a text costs, per text.
type collectionCost struct {
	Collection string  `json:"collection"`
	Reads      float64 `json:"firestoreReads"`
	Writes     float64 `json:"firestoreWrites"`
}

// byCollection is where a phase's reads and writes went, per text, most first.
type byCollection []collectionCost

// breakdownPer divides the collections' operations between two snapshots by the n texts.
func breakdownPer(after, before metering.Breakdown, n int) byCollection {
	var out byCollection
	for _, c := range after.Sub(before).Sorted() {
		out = append(out, collectionCost{
			Collection: c.Collection, Reads: float64(c.Reads) / float64(n), Writes: float64(c.Writes) / float64(n),
		})
	}
	return out
}

// textBreakdown is the per-collection cost of the texts mode's two counted phases.
type textBreakdown struct {
	FirstText   byCollection `json:"firstText"`
	MidChatText byCollection `json:"midChatText"`
}

func (b textBreakdown) print(w io.Writer) {
	for _, p := range []struct {
		name string
		c    byCollection
	}{{"first text", b.FirstText}, {"mid-chat text", b.MidChatText}} {
		if len(p.c) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nper %s, by collection\n", p.name)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "collection\treads\twrites\t")
		for _, c := range p.c {
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t\n", c.Collection, c.Reads, c.Writes)
		}
		tw.Flush()
	}
}
