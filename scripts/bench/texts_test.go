package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

// TestTextsModeMeasuresFloorsBesideItsLatencies runs mode texts small over the emulators: the
// three floors are measured in the run, every latency is printed over its floor with issue
// 17's targets, and -json carries them all.
func TestTextsModeMeasuresFloorsBesideItsLatencies(t *testing.T) {
	needEmulators(t)
	if inOwnProcess(t) {
		return
	}
	const n = 3
	f := flags{mode: modeTexts, conversations: n, agents: 1, capacity: n, mps: 500, warmup: n,
		poll: 10 * time.Millisecond, crm: config.CRMFirestore}
	ctx, log, b := benchFor(t, f)
	res, err := b.measure(ctx, log)
	if err != nil {
		t.Fatal(err)
	}
	res.Conversations, res.Agents, res.Capacity = n, f.agents, f.capacity

	var js bytes.Buffer
	if err := report(&js, true, res); err != nil {
		t.Fatal(err)
	}
	var got results
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatalf("mode texts' -json output %q: %v", js.String(), err)
	}
	for name, s := range map[string]summary{
		"one publish": got.FloorsMs.Publish, "create + publish": got.FloorsMs.CreateAndPublish,
		"publish → delivery → transaction": got.FloorsMs.PublishTransaction,
	} {
		if s.Median <= 0 || s.P99 < s.Median || s.Max > 60000 {
			t.Errorf("floor %s: %+v; want it measured (median > 0, p99 ≥ median, within a minute)", name, s)
		}
	}
	// Each delivered floor message ran its transaction once: its document counts 1.
	for i := range n {
		snap, err := b.runner.Store.Client().Collection(floorCollection).Doc(fmt.Sprintf("t1-%d", i)).Get(ctx)
		if err != nil {
			t.Fatalf("floor transaction of message %d: %v", i, err)
		}
		if c, _ := snap.Data()["n"].(int64); c != 1 {
			t.Errorf("floor message %d ran its transaction %d times, want once", i, c)
		}
	}

	want := map[string]float64{
		"webhook ack, first text": ackOverFloorTarget, "webhook ack, mid-chat text": ackOverFloorTarget,
		"webhook ack, mid-chat text, agents polling": ackOverFloorTarget, "first text → \"assigned\" SMS sent": 0,
		"mid-chat text → stored (2a)": storedOverFloorTarget, "mid-chat text → visible in agent API (2b)": 0,
	}
	if len(got.Ratios) != len(want) {
		t.Errorf("-json has %d latencies over their floors, want %d: %+v", len(got.Ratios), len(want), got.Ratios)
	}
	var table bytes.Buffer
	if err := report(&table, false, res); err != nil {
		t.Fatal(err)
	}
	for _, r := range got.Ratios {
		target, ok := want[r.Figure]
		if !ok {
			t.Errorf("unexpected latency over floor %q", r.Figure)
			continue
		}
		if r.MedianRatio <= 0 || r.P99Ratio <= 0 || r.OverMedian <= 0 {
			t.Errorf("%s over %s: %+v; want both ratios measured", r.Figure, r.Over, r)
		}
		switch {
		case target == 0 && r.Pass != nil:
			t.Errorf("%s has a verdict %v but no target", r.Figure, *r.Pass)
		case target > 0 && (r.Pass == nil || r.Target != target):
			t.Errorf("%s: target %v, verdict %v; want target %v with a verdict", r.Figure, r.Target, r.Pass, target)
		case target > 0 && *r.Pass != (r.MedianRatio > 0 && r.P99Ratio > 0 && r.MedianRatio <= target && r.P99Ratio <= target):
			t.Errorf("%s: %.2f× / %.2f× against ≤ %g× says pass=%v", r.Figure, r.MedianRatio, r.P99Ratio, target, *r.Pass)
		}
		line := tableLine(table.String(), r.Figure+"  ")
		if !strings.Contains(line, r.Over) || !strings.Contains(line, formatRatio(r.MedianRatio)) || !strings.Contains(line, formatRatio(r.P99Ratio)) {
			t.Errorf("the table's line for %s is %q; want it over %q with %s and %s", r.Figure, line, r.Over, formatRatio(r.MedianRatio), formatRatio(r.P99Ratio))
		}
		if r.Pass != nil && !strings.HasSuffix(strings.TrimSpace(line), map[bool]string{true: "PASS", false: "FAIL"}[*r.Pass]) {
			t.Errorf("the table's line for %s is %q; want its verdict last", r.Figure, line)
		}
	}
}

// tableLine is the line of table holding prefix (right-aligned columns end in two spaces).
func tableLine(table, prefix string) string {
	for _, l := range strings.Split(table, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l)+"  ", prefix) && strings.Contains(l, "×") {
			return l
		}
	}
	return ""
}
