package monitor_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/internal/emulatortest"
	"github.com/smsdesk/smsdesk/shared/metering"
	"github.com/smsdesk/smsdesk/shared/monitor"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// TestViewCostsReadsOfWhatItShows: one supervisor's view, on the real store over the
// emulator, reads the numbers and queues, the agents of their lines (and one count of missed
// offers per agent), the live chats of their lines, the chats ended today and the scheduled
// messages; nothing of the other line's chats.
func TestViewCostsReadsOfWhatItShows(t *testing.T) {
	emulatortest.Firestore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := metering.New()
	fs, err := firestore.NewClient(ctx, fmt.Sprintf("monitor-cost-%d", time.Now().UnixNano()), m.FirestoreOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	put := func(col, id string, v any) {
		t.Helper()
		if _, err := fs.Collection(col).Doc(id).Set(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	put("numbers", "+18005550100", config.Number{Number: "+18005550100", LineOfBusiness: "retail", TimeZone: "UTC"})
	put("numbers", "+18005550199", config.Number{Number: "+18005550199", LineOfBusiness: "wholesale"})
	put("queues", "r-billing", config.Queue{ID: "r-billing", LineOfBusiness: "retail"})
	put("queues", "w-orders", config.Queue{ID: "w-orders", LineOfBusiness: "wholesale"})
	iris := agent.Agent{ID: "iris", Role: config.RoleSupervisor, ServesQueues: []string{"r-billing"}, ServesLines: []string{"retail"}}
	put("agents", "iris", iris)
	put("agents", "ana", agent.Agent{ID: "ana", ServesQueues: []string{"r-billing"}, ServesLines: []string{"retail"}})
	put("agents", "wes", agent.Agent{ID: "wes", ServesQueues: []string{"w-orders"}, ServesLines: []string{"wholesale"}})
	for i := range 3 {
		put("sessions", fmt.Sprintf("live-%d", i), session.Session{ID: fmt.Sprintf("live-%d", i), LineOfBusiness: "retail", QueueID: "r-billing", State: session.Queued, QueuedAt: now})
		put("sessions", fmt.Sprintf("w-live-%d", i), session.Session{ID: fmt.Sprintf("w-live-%d", i), LineOfBusiness: "wholesale", QueueID: "w-orders", State: session.Queued, QueuedAt: now})
	}
	for i := range 2 {
		put("sessions", fmt.Sprintf("ended-%d", i), session.Session{ID: fmt.Sprintf("ended-%d", i), LineOfBusiness: "retail", State: session.Ended, EndedAt: now.Add(-time.Second)})
	}

	mon := &monitor.Monitor{Store: store.New(fs), Now: func() time.Time { return now }}
	before := m.Snapshot()
	v, err := mon.View(ctx, iris, monitor.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Chats.Future) != 3 || len(v.Chats.Past) != 2 || len(v.Agents) != 2 {
		t.Fatalf("view: %d future, %d past, %d agents; want 3, 2, 2", len(v.Chats.Future), len(v.Chats.Past), len(v.Agents))
	}
	// numbers 2 + queues 2 + agents 2 + live chats 3 + ended 2 + scheduled (none: 1) + missed
	// offers (one count per agent shown) 2.
	if got := m.Snapshot().Sub(before); got.Reads != 14 || got.Writes != 0 {
		t.Errorf("one view cost %+v, want 14 reads and no write", got)
	}
}
