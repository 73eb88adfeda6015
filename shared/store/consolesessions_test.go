package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/configadmin"
	"github.com/smsdesk/smsdesk/shared/internal/emulatortest"
	"github.com/smsdesk/smsdesk/shared/password"
	"github.com/smsdesk/smsdesk/shared/store"
)

// newStore is a store on a Firestore emulator project of its own.
func newStore(t *testing.T) (*store.Store, *firestore.Client, context.Context) {
	t.Helper()
	emulatortest.Firestore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	fs, err := firestore.NewClient(ctx, fmt.Sprintf("consoleauth-%d", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	return store.New(fs), fs, ctx
}

func TestConsoleSessionsAreStoredUnderTheHashOfTheCookie(t *testing.T) {
	st, fs, ctx := newStore(t)
	id := "c2Vzc2lvbi1pZC1vZi1hbmEtMDEyMzQ1Njc4OWFiY2RlZg"
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cs := store.ConsoleSession{AgentID: "ana", CSRF: "csrf-of-ana", CreatedAt: at, ExpiresAt: at.Add(12 * time.Hour)}
	if err := st.CreateConsoleSession(ctx, id, cs); err != nil {
		t.Fatal(err)
	}
	snap, err := fs.Collection("consoleSessions").Doc(store.HashToken(id)).Get(ctx)
	if err != nil {
		t.Fatalf("no document under the SHA-256 of the cookie: %v", err)
	}
	raw, _ := json.Marshal(snap.Data())
	if strings.Contains(string(raw), id) {
		t.Errorf("the stored session %s holds the cookie value", raw)
	}
	for _, f := range []string{"agentId", "csrf", "createdAt", "expiresAt"} {
		if _, ok := snap.Data()[f]; !ok {
			t.Errorf("stored session lacks %s: %s", f, raw)
		}
	}
	got, err := st.ConsoleSession(ctx, id)
	if err != nil || got.AgentID != "ana" || got.CSRF != "csrf-of-ana" || !got.ExpiresAt.Equal(cs.ExpiresAt) {
		t.Errorf("ConsoleSession = %+v, %v", got, err)
	}
	if err := st.DeleteConsoleSession(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ConsoleSession(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: %v, want ErrNotFound", err)
	}
	if err := st.DeleteConsoleSession(ctx, id); err != nil {
		t.Errorf("deleting again: %v", err)
	}
}

// The admin API's path (configadmin over the store): a password set is stored as argon2id
// only, kept when a later change gives none, replaced when a new one is given; disabling and
// emails land on the agent document.
func TestAgentPasswordDisabledAndEmailThroughTheCatalog(t *testing.T) {
	st, fs, ctx := newStore(t)
	if err := st.LoadCatalog(ctx, config.Catalog{
		Queues: []config.Queue{{ID: "q", Name: "Q", LineOfBusiness: "l"}},
		Agents: []config.Agent{{ID: "ana", Name: "Ana", Queues: []string{"q"}, Token: "ana-token", Password: "ana-first-password", Email: "Ana@Example.com"}},
	}); err != nil {
		t.Fatal(err)
	}
	a, err := st.Agent(ctx, "ana")
	if err != nil || !strings.HasPrefix(a.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") || !password.Verify("ana-first-password", a.PasswordHash) {
		t.Fatalf("agent = %+v, %v; want the password's argon2id hash", a, err)
	}
	snap, _ := fs.Collection("agents").Doc("ana").Get(ctx)
	raw, _ := json.Marshal(snap.Data())
	if strings.Contains(string(raw), "ana-first-password") || strings.Contains(string(raw), `"password"`) {
		t.Errorf("the agent document holds the password: %s", raw)
	}
	if byEmail, err := st.AgentByEmail(ctx, "ANA@example.COM"); err != nil || byEmail.ID != "ana" {
		t.Errorf("AgentByEmail = %+v, %v; want ana, whatever the case", byEmail, err)
	}
	if _, err := st.AgentByEmail(ctx, "eve@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown email: %v", err)
	}

	admin := configadmin.Admin{Store: st}
	if err := admin.PutAgent(ctx, config.Agent{ID: "ana", Name: "Ana R.", Queues: []string{"q"}, Email: "ana@example.com"}); err != nil {
		t.Fatal(err)
	}
	if a, _ := st.Agent(ctx, "ana"); !password.Verify("ana-first-password", a.PasswordHash) || a.Name != "Ana R." {
		t.Errorf("after a change without a password: %q, %q; want the first password kept", a.Name, a.PasswordHash)
	}
	err = admin.PutAgent(ctx, config.Agent{ID: "ana", Name: "Ana", Queues: []string{"q"}, Password: "short"})
	var refused *configadmin.Refusal
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "at least 12 characters") || strings.Contains(err.Error(), "short") {
		t.Errorf("a short password: %v; want refused, naming the rule, not the password", err)
	}
	if err := admin.PutAgent(ctx, config.Agent{ID: "ana", Name: "Ana", Queues: []string{"q"}, Password: "ana-second-password", Disabled: true}); err != nil {
		t.Fatal(err)
	}
	a, _ = st.Agent(ctx, "ana")
	if !a.Disabled || password.Verify("ana-first-password", a.PasswordHash) || !password.Verify("ana-second-password", a.PasswordHash) {
		t.Errorf("agent = disabled %v; want disabled with the second password only", a.Disabled)
	}
	if a.Email != "" {
		t.Errorf("email %q kept, but the change gave none", a.Email)
	}
	if _, err := st.AgentByToken(ctx, "ana-token"); !errors.Is(err, agent.ErrDisabled) {
		t.Errorf("a disabled agent's token: %v, want agent.ErrDisabled", err)
	}
	c, err := st.ReadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shown, _ := json.Marshal(c)
	if strings.Contains(string(shown), "argon2") || strings.Contains(string(shown), "ana-token") || !strings.Contains(string(shown), `"disabled":true`) {
		t.Errorf("the configuration as read back: %s; want disabled shown, no hash nor token", shown)
	}
	if err := admin.PutAgent(ctx, config.Agent{ID: "ana", Name: "Ana", Queues: []string{"q"}}); err != nil {
		t.Fatal(err)
	}
	if a, err := st.AgentByToken(ctx, "ana-token"); err != nil || a.ID != "ana" {
		t.Errorf("enabled again: AgentByToken = %+v, %v", a, err)
	}
}
