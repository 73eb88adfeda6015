package main

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"
)

// TestConsoleModeMeasuresPushFirstLoadAndMonitoring runs mode console small over the
// emulators: every agent's console gets each text's event, the first load counts the real
// embedded assets, idle consoles cost no reads, and the supervisor's page shows every change.
func TestConsoleModeMeasuresPushFirstLoadAndMonitoring(t *testing.T) {
	needEmulators(t)
	if inOwnProcess(t) {
		return
	}
	f := flags{mode: modeConsole, agents: 3, capacity: 1, conversations: 3, mps: 500, rounds: 2,
		idle: 2 * time.Second, changes: 4, poll: 10 * time.Millisecond, json: true}
	ctx, log, b := benchFor(t, f)
	var out bytes.Buffer
	if err := b.runConsole(ctx, log, &out, time.Now()); err != nil {
		t.Fatal(err)
	}
	var res consoleResults
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("mode console's -json output %q: %v", out.String(), err)
	}

	l := res.LatencyMs
	if res.Chats != 3 || l.StoredToConsole.Max <= 0 || l.StoredToConsole.Max > 10000 || l.WebhookToStored.Median <= 0 {
		t.Errorf("texts to consoles: %d chats, stored → event %+v, webhook → stored %+v; want 3 chats, every event within 10 s", res.Chats, l.StoredToConsole, l.WebhookToStored)
	}
	if v := res.Visible; v.Target != visibleOverStoredLimit || v.Pass == nil || v.MedianRatio < 1 || v.P99Ratio < 1 || l.WebhookToConsole.Median < l.WebhookToStored.Median {
		t.Errorf("webhook → console event over webhook → stored: %+v (webhook → event %+v); want both ratios at least 1, judged against %g", v, l.WebhookToConsole, visibleOverStoredLimit)
	}
	if res.PerText.Writes <= 0 || res.IdleReadsPerAgentMinute >= 1 {
		t.Errorf("per text %+v, idle reads %.2f per console per minute: want writes counted and idle consoles under 1 read a minute", res.PerText, res.IdleReadsPerAgentMinute)
	}

	htmx, err := os.ReadFile("../../functions/console/static/vendor/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range res.Load.Assets {
		if a.Path == "/console/static/vendor/htmx.min.js" {
			found = true
			if a.Plain-a.HeaderBytes != len(htmx) || a.IfGzipped >= a.Plain {
				t.Errorf("htmx on the wire: %+v; want its body of %d bytes, and less gzipped", a, len(htmx))
			}
		}
	}
	if !found || len(res.Load.Assets) < 4 {
		t.Errorf("first load %+v: want the page, htmx, its SSE extension and the console's own script and style", res.Load.Assets)
	}
	if res.Load.Compresses != (res.Load.TotalGzip < res.Load.TotalPlain) {
		t.Errorf("first load says compresses=%v with %d bytes plain and %d accepting gzip", res.Load.Compresses, res.Load.TotalPlain, res.Load.TotalGzip)
	}

	m := res.Monitor
	if m.Missed != 0 || m.LatencyMs.ChangeToFragment.Max <= 0 || m.LatencyMs.AgentToFragment.Max <= 0 || m.LatencyMs.ChatToFragment.Max <= 0 {
		t.Errorf("monitoring: %d of %d changes never shown, latencies %+v; want every change shown", m.Missed, m.Changes, m.LatencyMs)
	}
	if m.ReadsPerFetch < int64(len(b.fixture.agentIDs)) {
		t.Errorf("a monitoring re-read cost %d Firestore reads; it shows %d agents, so it reads at least as many", m.ReadsPerFetch, len(b.fixture.agentIDs))
	}
}
