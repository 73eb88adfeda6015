package consoleauth

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/password"
	"github.com/smsdesk/smsdesk/shared/store"
)

// memSessions is an in-memory SessionStore.
type memSessions struct {
	mu sync.Mutex
	m  map[string]store.ConsoleSession
}

func (m *memSessions) CreateConsoleSession(_ context.Context, id string, cs store.ConsoleSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.m[id]; dup {
		return fmt.Errorf("session exists")
	}
	m.m[id] = cs
	return nil
}

func (m *memSessions) ConsoleSession(_ context.Context, id string) (store.ConsoleSession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs, ok := m.m[id]
	if !ok {
		return cs, store.ErrNotFound
	}
	return cs, nil
}

func (m *memSessions) DeleteConsoleSession(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, id)
	return nil
}

func (m *memSessions) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}

// memAgents is an in-memory AgentStore with the store's rules: a disabled agent's token
// answers agent.ErrDisabled, emails compare lower-cased.
type memAgents struct {
	mu     sync.Mutex
	m      map[string]agent.Agent
	tokens map[string]string // token → agent id
}

func (m *memAgents) Agent(_ context.Context, id string) (agent.Agent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.m[id]
	if !ok {
		return a, store.ErrNotFound
	}
	return a, nil
}

func (m *memAgents) AgentByToken(_ context.Context, token string) (agent.Agent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.m[m.tokens[token]]
	if !ok {
		return a, store.ErrNotFound
	}
	if a.Disabled {
		return agent.Agent{}, agent.ErrDisabled
	}
	return a, nil
}

func (m *memAgents) AgentByEmail(_ context.Context, email string) (agent.Agent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.m {
		if a.Email != "" && a.Email == strings.ToLower(email) {
			return a, nil
		}
	}
	return agent.Agent{}, store.ErrNotFound
}

func (m *memAgents) disable(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.m[id]
	a.Disabled = true
	m.m[id] = a
}

// anaHash is computed once: argon2id takes a moment, on purpose.
var anaHash = password.Hash("ana-dev-password")

func newService() (*Service, *memSessions, *memAgents) {
	sessions := &memSessions{m: map[string]store.ConsoleSession{}}
	agents := &memAgents{
		m: map[string]agent.Agent{
			"ana":  {ID: "ana", Name: "Ana", PasswordHash: anaHash, Email: "ana@example.com"},
			"luis": {ID: "luis", Name: "Luis"}, // no password: token only
		},
		tokens: map[string]string{"ana-dev-token": "ana", "luis-dev-token": "luis"},
	}
	return &Service{Sessions: sessions, Agents: agents}, sessions, agents
}
