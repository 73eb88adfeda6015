package main

import (
	"testing"
	"time"
)

// TestBulkRateTargets checks mode bulk's verdicts on issue 17's targets: at least 95% of the
// number's rate sustained, and no 1-second window above the rate.
func TestBulkRateTargets(t *testing.T) {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	// every is n sends spaced by gap.
	every := func(n int, gap time.Duration) []time.Time {
		ts := make([]time.Time, n)
		for i := range ts {
			ts[i] = start.Add(time.Duration(i) * gap)
		}
		return ts
	}
	for _, c := range []struct {
		name                 string
		times                []time.Time
		sustainedOK, burstOK bool
	}{
		{"exactly 50 a second", every(500, 20*time.Millisecond), true, true},
		{"47.6 a second, even", every(500, 21*time.Millisecond), true, true},
		{"45 a second", every(450, time.Second/45), false, true},
		{"51 within one second", every(51, 19*time.Millisecond), true, false},
	} {
		span := c.times[len(c.times)-1].Sub(c.times[0])
		sustained := float64(len(c.times)-1) / span.Seconds()
		got := checkBulkRate(sustained, maxInWindow(c.times, time.Second), bulkDefaultMPS, bulkIssueRecipients)
		if got.SustainedPass != c.sustainedOK || got.MaxIn1sPass != c.burstOK || !got.IssueScenario {
			t.Errorf("%s (%.1f a second sustained, %d in the busiest second): %+v; want sustained pass %v, busiest second pass %v",
				c.name, sustained, maxInWindow(c.times, time.Second), got, c.sustainedOK, c.burstOK)
		}
	}
	if got := checkBulkRate(50, 50, 50, 2000); got.IssueScenario {
		t.Errorf("2,000 recipients counted as the issue's scenario of 5,000: %+v", got)
	}
}
