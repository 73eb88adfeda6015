package reporting

import (
	"context"
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
