package delivery

import (
	"testing"

	"golang.org/x/time/rate"
)

// TestSendsStartBelowTheNumbersRate: a number allowed 50 messages a second is sent to at 48,
// one at a time, so that the carrier, counting arrivals a few milliseconds either side, never
// sees more than 50 in a second; a change of the number's rate takes effect at once.
func TestSendsStartBelowTheNumbersRate(t *testing.T) {
	s := &Sender{}
	l := s.limiter("+18005550100", 50)
	if l.Limit() != rate.Limit(48) || l.Burst() != 1 {
		t.Errorf("limiter for 50 a second: %v a second, burst %d; want 48, 1", l.Limit(), l.Burst())
	}
	if l = s.limiter("+18005550100", 25); l.Limit() != rate.Limit(24) {
		t.Errorf("after the rate changed to 25: %v a second, want 24", l.Limit())
	}
}
