package terraform_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/smsdesk/smsdesk/internal/localpubsub"
)

// checkDeliveryPolicy: a push subscription retries and dead-letters as internal/localpubsub provisions
// the local runner's, so what is tried locally is what runs in the cloud.
func checkDeliveryPolicy(t *testing.T, s, dl *instance) {
	t.Helper()
	rp := s.block("retry_policy")
	if rp == nil {
		t.Errorf("%s (%s) has no retry_policy; set minimum_backoff = %q and maximum_backoff = %q as internal/localpubsub does", s.addr, s.pos, seconds(localpubsub.RetryMinBackoff), seconds(localpubsub.RetryMaxBackoff))
		return
	}
	for attr, want := range map[string]time.Duration{"minimum_backoff": localpubsub.RetryMinBackoff, "maximum_backoff": localpubsub.RetryMaxBackoff} {
		if got, _ := knownString(rp.attrs[attr]); got != seconds(want) {
			t.Errorf("%s (%s): retry_policy.%s = %q, but internal/localpubsub (the local runner) uses %q; keep them equal", s.addr, s.pos, attr, got, seconds(want))
		}
	}
	v := dl.attrs["max_delivery_attempts"]
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.Number || v.AsBigFloat().Cmp(big.NewFloat(localpubsub.MaxDeliveryAttempts)) != 0 {
		t.Errorf("%s (%s): dead_letter_policy.max_delivery_attempts defaults to %#v, but internal/localpubsub (the local runner) uses %d; keep them equal", s.addr, s.pos, v, localpubsub.MaxDeliveryAttempts)
	}
}

func seconds(d time.Duration) string { return big.NewInt(int64(d/time.Second)).String() + "s" }

// checkLocalConcurrency: the local runner delivers each event function's messages with as many
// deliveries at once as its default deployment serves (instances × requests per instance), so
// that local benchmarks queue where the cloud would.
func checkLocalConcurrency(t *testing.T, registered map[string]registeredFn, fns []*deployedFn) {
	for _, f := range fns {
		if registered[f.entryPoint].kind != "CloudEvent" {
			continue
		}
		n, c := f.maxInstances, f.concurrency
		if !n.IsKnown() || n.IsNull() || n.Type() != cty.Number || !c.IsKnown() || c.IsNull() || c.Type() != cty.Number {
			t.Errorf("%s (%s): cannot evaluate max_instance_count %#v and max_instance_request_concurrency %#v", f.addr, f.pos, n, c)
			continue
		}
		got := new(big.Float).Mul(n.AsBigFloat(), c.AsBigFloat())
		if want := localpubsub.CloudConcurrency(f.entryPoint); got.Cmp(big.NewFloat(float64(want))) != 0 {
			t.Errorf("%s (%s) serves %s deliveries at once by default, but internal/localpubsub.CloudConcurrency(%q) delivers %d locally; keep them equal", f.addr, f.pos, got.String(), f.entryPoint, want)
		}
	}
}
