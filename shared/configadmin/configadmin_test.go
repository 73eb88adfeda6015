package configadmin

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/smsdesk/smsdesk/shared/config"
)

// memStore holds a catalog and runs each change under one lock, as a transaction would.
type memStore struct {
	mu sync.Mutex
	c  config.Catalog
}

func (m *memStore) UpdateCatalog(_ context.Context, change func(c *config.Catalog) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var copy config.Catalog
	b, _ := json.Marshal(m.c)
	_ = json.Unmarshal(b, &copy)
	if err := change(&copy); err != nil {
		return err
	}
	m.c = copy
	return nil
}

func base() config.Catalog {
	return config.Catalog{
		Numbers: []config.Number{{Number: "+18005550100", LineOfBusiness: "shop", EntryQueue: "root", DefaultLanguage: "en", Brand: "Shop"}},
		Queues:  []config.Queue{{ID: "root", Name: "Root", LineOfBusiness: "shop"}},
		Agents:  []config.Agent{{ID: "ana", Name: "Ana", Queues: []string{"root"}}},
	}
}

func TestChangesAreValidatedAsAWhole(t *testing.T) {
	ctx := context.Background()
	m := &memStore{c: base()}
	a := &Admin{Store: m}
	if err := a.PutQueue(ctx, config.Queue{ID: "billing", Name: "Billing", LineOfBusiness: "shop", Parent: "root", Keywords: []string{"BILL"}}); err != nil {
		t.Fatalf("valid queue refused: %v", err)
	}
	// Two problems in one change: both named, nothing stored.
	err := a.PutQueue(ctx, config.Queue{ID: "tech", Name: "Tech", LineOfBusiness: "shop", Parent: "nowhere", Keywords: []string{"STOP"}})
	var r *Refusal
	if !errors.As(err, &r) || r.Kind != InvalidConfig || !strings.Contains(err.Error(), `"nowhere"`) || !strings.Contains(err.Error(), "protected") {
		t.Fatalf("invalid queue = %v, want an InvalidConfig refusal naming the unknown parent and the protected keyword", err)
	}
	if len(m.c.Queues) != 2 {
		t.Errorf("a refused change was stored: %+v", m.c.Queues)
	}
	// Removing a queue someone still refers to is refused the same way.
	if err := a.Remove(ctx, KindQueue, "root"); !errors.As(err, &r) || r.Kind != InvalidConfig {
		t.Errorf("removing the entry queue = %v", err)
	}
	if err := a.Remove(ctx, KindTeam, "nope"); !errors.As(err, &r) || r.Kind != NotFound {
		t.Errorf("removing an unknown team = %v", err)
	}
	if err := a.Remove(ctx, KindQueue, "billing"); err != nil || len(m.c.Queues) != 1 {
		t.Errorf("removing a queue nobody uses = %v, queues %+v", err, m.c.Queues)
	}
}

func TestNewAgentNeedsAToken(t *testing.T) {
	ctx := context.Background()
	m := &memStore{c: base()}
	a := &Admin{Store: m}
	var r *Refusal
	if err := a.PutAgent(ctx, config.Agent{ID: "luis", Name: "Luis", Queues: []string{"root"}}); !errors.As(err, &r) || r.Kind != BadChange {
		t.Errorf("new agent without a token = %v", err)
	}
	if err := a.PutAgent(ctx, config.Agent{ID: "ana", Name: "Ana B.", Queues: []string{"root"}}); err != nil {
		t.Errorf("an existing agent without a new token = %v", err)
	}
	if err := a.PutAgent(ctx, config.Agent{ID: "luis", Name: "Luis", Queues: []string{"root"}, Token: "t"}); err != nil || len(m.c.Agents) != 2 {
		t.Errorf("new agent with a token = %v (%d agents)", err, len(m.c.Agents))
	}
}

func TestAgentsAnswerModeAndTheOfferTimeoutAreValidated(t *testing.T) {
	ctx := context.Background()
	m := &memStore{c: base()}
	a := &Admin{Store: m}
	var r *Refusal
	if err := a.PutAgent(ctx, config.Agent{ID: "ana", Name: "Ana", Queues: []string{"root"}, Answer: "later"}); !errors.As(err, &r) || r.Kind != InvalidConfig || !strings.Contains(err.Error(), "must be auto or manual") {
		t.Errorf("answer \"later\" = %v, want an InvalidConfig refusal", err)
	}
	if err := a.PutAgent(ctx, config.Agent{ID: "ana", Name: "Ana", Queues: []string{"root"}, Answer: config.AnswerManual}); err != nil || m.c.Agents[0].Answer != config.AnswerManual {
		t.Errorf("manual answer = %v, stored %+v", err, m.c.Agents[0])
	}
	if err := a.PutSettings(ctx, config.Settings{OfferTimeoutSeconds: -1}); !errors.As(err, &r) || r.Kind != InvalidConfig {
		t.Errorf("a negative offer timeout = %v", err)
	}
	if err := a.PutSettings(ctx, config.Settings{OfferTimeoutSeconds: 45}); err != nil || m.c.Settings.OfferTimeout().Seconds() != 45 {
		t.Errorf("offer timeout 45 = %v, stored %+v", err, m.c.Settings)
	}
}
