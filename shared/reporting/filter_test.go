package reporting

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reports"
)

// TestOnlyQueueKeepsOneOfTheViewersQueues: an admin's queues report filtered to b-q has b-q
// alone; a supervisor of line a filtering to line b's queue is told it is not theirs.
func TestOnlyQueueKeepsOneOfTheViewersQueues(t *testing.T) {
	sv := &Service{Store: newMemStore(), Now: func() time.Time { return now }}
	ctx := context.Background()
	p := reports.Period{From: now.Add(-24 * time.Hour), To: now, Loc: time.UTC, Grain: reports.Day}
	all, err := sv.Report(ctx, agent.Agent{ID: "max", Role: config.RoleAdmin}, Queues, p)
	if err != nil {
		t.Fatal(err)
	}
	one, err := OnlyQueue(all, "b-q")
	if rows, _ := one.Rows.([]reports.Row[reports.QueueFigures]); err != nil || len(rows) != 1 || rows[0].ID != "b-q" || rows[0].Total.Handled != 1 {
		t.Errorf("filtered to b-q: %v, %+v; want b-q alone with its 1 chat", err, one.Rows)
	}
	if kept, err := OnlyQueue(all, ""); err != nil || len(kept.Rows.([]reports.Row[reports.QueueFigures])) != 2 {
		t.Errorf("no filter: %v, %+v; want both queues", err, kept.Rows)
	}
	sup, _ := sv.Report(ctx, agent.Agent{ID: "sue", Role: config.RoleSupervisor, ServesLines: []string{"a"}}, Queues, p)
	if _, err := OnlyQueue(sup, "b-q"); !errors.Is(err, ErrNoSuchQueue) || !strings.Contains(err.Error(), `"b-q"`) {
		t.Errorf("a supervisor of line a filtering to b-q: %v, want ErrNoSuchQueue naming it", err)
	}
	agents, _ := sv.Report(ctx, agent.Agent{ID: "max", Role: config.RoleAdmin}, Agents, p)
	if _, err := OnlyQueue(agents, "a-q"); err == nil {
		t.Errorf("the agents report filtered by queue: no error")
	}
}

// countingStore counts the rollup loads of each kind.
type countingStore struct {
	*memStore
	loads map[string]int
}

func (c *countingStore) Rollups(ctx context.Context, kind string, first, last time.Time) ([]reports.Rollup, error) {
	c.loads[kind]++
	return c.memStore.Rollups(ctx, kind, first, last)
}

// TestReportsAtOnceReadEachRollupKindOnce: the four reports of the console's page, built at
// once, equal those built one by one, and the agents and teams reports share one load.
func TestReportsAtOnceReadEachRollupKindOnce(t *testing.T) {
	cs := &countingStore{memStore: newMemStore(), loads: map[string]int{}}
	sv := &Service{Store: cs, Now: func() time.Time { return now }}
	ctx := context.Background()
	p := reports.Period{From: now.Add(-24 * time.Hour), To: now, Loc: time.UTC, Grain: reports.Hour}
	sue := agent.Agent{ID: "sue", Role: config.RoleSupervisor, ServesLines: []string{"a"}}
	kinds := []string{Queues, Agents, Teams, Types}
	all, err := sv.Reports(ctx, sue, p, kinds...)
	if err != nil || len(all) != 4 {
		t.Fatalf("Reports = %d, %v", len(all), err)
	}
	if cs.loads[reports.KindAgent] != 1 || cs.loads[reports.KindQueue] != 1 || cs.loads[reports.KindLine] != 1 {
		t.Errorf("rollup loads %v: want each kind once", cs.loads)
	}
	for i, k := range kinds {
		one, err := sv.Report(ctx, sue, k, p)
		a, _ := json.Marshal(all[i])
		b, _ := json.Marshal(one)
		if err != nil || string(a) != string(b) {
			t.Errorf("%s report at once differs from alone (%v):\n%s\n%s", k, err, a, b)
		}
	}
	if _, err := sv.Reports(ctx, sue, p, Queues, Chats); !errors.Is(err, ErrUnknownReport) {
		t.Errorf("Reports with the chats report: %v, want ErrUnknownReport (it streams: EachChat)", err)
	}
	if _, err := sv.Reports(ctx, agent.Agent{ID: "ana"}, p, Queues); !errors.Is(err, ErrForbidden) {
		t.Errorf("an agent's Reports: %v, want ErrForbidden", err)
	}
}
