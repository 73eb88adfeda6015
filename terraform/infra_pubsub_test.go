package terraform_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/smsdesk/smsdesk/shared/bus"
)

// checkDeliveryPolicy: a push subscription retries and dead-letters as shared/bus provisions
// the local runner's, so what is tried locally is what runs in the cloud.
func checkDeliveryPolicy(t *testing.T, s, dl *instance) {
	t.Helper()
	rp := s.block("retry_policy")
	if rp == nil {
		t.Errorf("%s (%s) has no retry_policy; set minimum_backoff = %q and maximum_backoff = %q as shared/bus does", s.addr, s.pos, seconds(bus.RetryMinBackoff), seconds(bus.RetryMaxBackoff))
		return
	}
	for attr, want := range map[string]time.Duration{"minimum_backoff": bus.RetryMinBackoff, "maximum_backoff": bus.RetryMaxBackoff} {
		if got, _ := knownString(rp.attrs[attr]); got != seconds(want) {
			t.Errorf("%s (%s): retry_policy.%s = %q, but shared/bus (the local runner) uses %q; keep them equal", s.addr, s.pos, attr, got, seconds(want))
		}
	}
	v := dl.attrs["max_delivery_attempts"]
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.Number || v.AsBigFloat().Cmp(big.NewFloat(bus.MaxDeliveryAttempts)) != 0 {
		t.Errorf("%s (%s): dead_letter_policy.max_delivery_attempts defaults to %#v, but shared/bus (the local runner) uses %d; keep them equal", s.addr, s.pos, v, bus.MaxDeliveryAttempts)
	}
}

func seconds(d time.Duration) string { return big.NewInt(int64(d/time.Second)).String() + "s" }
