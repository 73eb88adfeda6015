package reports

import (
	"testing"
	"time"
)

// TestARecountAgreesWithADaySpreadOverShards: a busy line's day is stored in several shards;
// the recount compares their sum (and the greatest of their maximums) with what the chats
// say, so a day whose shards add up is not reported as wrong.
func TestARecountAgreesWithADaySpreadOverShards(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	shard := func(offered, maxWait int64) Rollup {
		return Rollup{Kind: KindQueue, ID: "root", Day: day, Hours: map[string]map[string]int64{"09": {Offered: offered, WaitMax: maxWait}}}
	}
	want := []Rollup{shard(5, 40)}
	all := func(Rollup) bool { return true }
	if d := Diff(want, []Rollup{shard(2, 40), shard(3, 12)}, all); len(d) != 0 {
		t.Errorf("shards of 2 and 3 offered against 5 recounted: %v, want no difference", d)
	}
	if d := Diff(want, []Rollup{shard(2, 40), shard(2, 12)}, all); len(d) != 1 {
		t.Errorf("shards of 2 and 2 offered against 5 recounted: %v, want the one difference", d)
	}
}
