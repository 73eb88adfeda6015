package localrun_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/smsdesk/smsdesk/shared/config"
)

func adminCall(t *testing.T, token, method, path string, body any) (int, apiError) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, runner.BaseURL+"/admin"+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e apiError
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e
}

// TestAdminAPIValidatesAndConfigures: an admin builds a new line of business over the API;
// mistakes are refused with what to fix; the new number then works end to end.
func TestAdminAPIValidatesAndConfigures(t *testing.T) {
	ctx := testCtx(t)
	admin := "token-admin-root"
	loadCatalog(t, config.Catalog{
		Queues: []config.Queue{{ID: "adm-root", Name: "Root", LineOfBusiness: "adm"}},
		Agents: []config.Agent{{ID: "adm-boss", Name: "Boss", Role: "admin", Token: admin}},
	})
	if code, _ := adminCall(t, "token-"+newFixture(t).Prefix+"-ana", "GET", "/config", nil); code != http.StatusForbidden {
		t.Errorf("an agent without the admin role got %d", code)
	}
	put := func(path string, body any, wantCode int, wantMsg string) {
		t.Helper()
		code, e := adminCall(t, admin, "PUT", path, body)
		if code != wantCode || !strings.Contains(e.Error.Message, wantMsg) {
			t.Errorf("PUT %s = %d %q, want %d %q", path, code, e.Error.Message, wantCode, wantMsg)
		}
	}
	put("/numbers/18005550000", map[string]any{"lineOfBusiness": "adm", "entryQueue": "adm-root"}, 400, `number "18005550000" is not E.164`)
	put("/numbers/+18009990001", map[string]any{"lineOfBusiness": "adm", "entryQueue": "adm-nope"}, 400, `unknown entry queue "adm-nope"`)
	put("/queues/adm-a", map[string]any{"name": "Orders", "parent": "adm-root", "lineOfBusiness": "adm", "keywords": []string{"ORDERS"}}, 200, "")
	put("/queues/adm-b", map[string]any{"name": "Returns", "parent": "adm-root", "lineOfBusiness": "adm", "keywords": []string{"orders"}}, 400, `keyword "orders" is already used by "adm-a"`)
	put("/queues/adm-b", map[string]any{"name": "Returns", "parent": "adm-root", "lineOfBusiness": "adm", "keywords": []string{"QUIT"}}, 400, "protected command")
	put("/queues/adm-b", map[string]any{"name": "Returns", "parent": "adm-root", "lineOfBusiness": "adm", "order": 2, "keywordz": []string{"X"}}, 400, `unknown field "keywordz"`)
	put("/queues/adm-b", map[string]any{"name": "Returns", "parent": "adm-root", "lineOfBusiness": "adm", "order": 2, "keywords": []string{"RETURNS"}}, 200, "")
	put("/agents/adm-eve", map[string]any{"name": "Eve", "queues": []string{"adm-b"}}, 400, `a new agent needs a "token"`)
	put("/agents/adm-eve", map[string]any{"name": "Eve", "queues": []string{"adm-zzz"}, "token": "eve-token"}, 400, `unknown queue "adm-zzz"`)
	put("/agents/adm-eve", map[string]any{"name": "Eve", "queues": []string{"adm-b"}, "token": "eve-token"}, 200, "")
	put("/numbers/+18009990001", map[string]any{"lineOfBusiness": "adm", "entryQueue": "adm-root", "brand": "Adm Co", "defaultLanguage": "en"}, 200, "")
	put("/agents/adm-eve", map[string]any{"name": "Eve R.", "queues": []string{"adm-b"}, "capacity": 2}, 200, "")
	if code, e := adminCall(t, admin, "DELETE", "/queues/adm-b", nil); code != http.StatusBadRequest || !strings.Contains(e.Error.Message, `unknown queue "adm-b"`) {
		t.Errorf("deleting a queue an agent serves = %d %+v", code, e)
	}

	// The new line works: Eve (still logged in with her token) answers a Returns chat.
	phone := consumerPhone()
	api(t, "eve-token", "PUT", "/status", map[string]string{"status": "available"}, nil)
	text(t, phone, "+18009990001", "hello")
	expectSMS(t, ctx, phone, 2, "1 or ORDERS for Orders, 2 or RETURNS for Returns")
	text(t, phone, "+18009990001", "returns")
	expectSMS(t, ctx, phone, 4, "You're now chatting with Eve R.")
}

// TestExampleConfigHasAnAdmin: a new user can use the admin API with the shipped example
// configuration (admin Max, token max-dev-token, as the README and dev banner say), and an
// agent's token cannot.
func TestExampleConfigHasAnAdmin(t *testing.T) {
	c := adminConfig(t, "max-dev-token")
	found := false
	for _, a := range c.Agents {
		found = found || (a.ID == "max" && a.Role == config.RoleAdmin)
	}
	if !found {
		t.Errorf("the configuration does not list admin max: %+v", c.Agents)
	}
	if code, _ := adminCall(t, "ana-dev-token", http.MethodGet, "/config", nil); code != http.StatusForbidden {
		t.Errorf("GET /admin/config as agent ana: %d, want 403", code)
	}
}

// adminConfig is the whole configuration as the admin API shows it.
func adminConfig(t *testing.T, token string) config.Catalog {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, runner.BaseURL+"/admin/config", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c config.Catalog
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/config: %d, %v", resp.StatusCode, err)
	}
	return c
}

func queueNamed(c config.Catalog, id string) (config.Queue, bool) {
	for _, q := range c.Queues {
		if q.ID == id {
			return q, true
		}
	}
	return config.Queue{}, false
}

// TestAdminsChangingAtOnceBothLand: two admins rename different queues at the same moment,
// round after round; every rename lands, none is overwritten by the other admin's copy of
// the configuration.
func TestAdminsChangingAtOnceBothLand(t *testing.T) {
	p := newFixture(t).Prefix
	ann, bob := "token-"+p+"-admin-ann", "token-"+p+"-admin-bob"
	loadCatalog(t, config.Catalog{
		Queues: []config.Queue{
			{ID: p + "-adm", Name: "Root", LineOfBusiness: p + "-adm"},
			{ID: p + "-adm-x", Name: "X", LineOfBusiness: p + "-adm", Parent: p + "-adm", Order: 1},
			{ID: p + "-adm-y", Name: "Y", LineOfBusiness: p + "-adm", Parent: p + "-adm", Order: 2},
		},
		Agents: []config.Agent{
			{ID: p + "-ann", Name: "Ann", Role: "admin", Token: ann},
			{ID: p + "-bob", Name: "Bob", Role: "admin", Token: bob},
		},
	})
	for round := range 3 {
		var wg sync.WaitGroup
		for _, c := range []struct{ token, queue string }{{ann, p + "-adm-x"}, {bob, p + "-adm-y"}} {
			wg.Go(func() {
				body := map[string]any{"name": fmt.Sprintf("%s round %d", c.queue, round), "parent": p + "-adm", "lineOfBusiness": p + "-adm"}
				if code, e := adminCall(t, c.token, "PUT", "/queues/"+c.queue, body); code != http.StatusOK {
					t.Errorf("PUT /queues/%s = %d %+v", c.queue, code, e)
				}
			})
		}
		wg.Wait()
		got := adminConfig(t, ann)
		for _, id := range []string{p + "-adm-x", p + "-adm-y"} {
			if q, _ := queueNamed(got, id); q.Name != fmt.Sprintf("%s round %d", id, round) {
				t.Fatalf("round %d: queue %s is named %q: a concurrent change was lost", round, id, q.Name)
			}
		}
	}
}

// TestAdminInvalidChangeChangesNothing: a change with several problems is refused with each
// of them named, and the configuration stays as it was.
func TestAdminInvalidChangeChangesNothing(t *testing.T) {
	p := newFixture(t).Prefix
	admin := "token-" + p + "-admin"
	loadCatalog(t, config.Catalog{
		Queues: []config.Queue{{ID: p + "-inv", Name: "Root", LineOfBusiness: p + "-inv"}, {ID: p + "-inv-a", Name: "A", LineOfBusiness: p + "-inv", Parent: p + "-inv"}},
		Agents: []config.Agent{{ID: p + "-admin", Name: "Ada", Role: "admin", Token: admin}},
	})
	before := adminConfig(t, admin)
	code, e := adminCall(t, admin, "PUT", "/queues/"+p+"-inv-a", map[string]any{
		"name": "A2", "lineOfBusiness": p + "-inv", "parent": p + "-nowhere", "keywords": []string{"STOP"}, "overflow": p + "-gone",
	})
	if code != http.StatusBadRequest || e.Error.Code != "invalid_config" {
		t.Fatalf("invalid change = %d %+v, want 400 invalid_config", code, e)
	}
	for _, want := range []string{p + "-nowhere", "STOP", p + "-gone"} {
		if !strings.Contains(e.Error.Message, want) {
			t.Errorf("the refusal does not name %q: %s", want, e.Error.Message)
		}
	}
	after := adminConfig(t, admin)
	if q, _ := queueNamed(after, p+"-inv-a"); q.Name != "A" || q.Parent != p+"-inv" {
		t.Errorf("the refused change was stored: %+v", q)
	}
	if len(after.Queues) != len(before.Queues) || len(after.Agents) != len(before.Agents) || len(after.Numbers) != len(before.Numbers) {
		t.Errorf("the configuration changed: %d/%d/%d queues/agents/numbers before, %d/%d/%d after",
			len(before.Queues), len(before.Agents), len(before.Numbers), len(after.Queues), len(after.Agents), len(after.Numbers))
	}
}
