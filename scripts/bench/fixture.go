package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/smsdesk/smsdesk/shared/config"
)

// The benchmark's business: one number whose entry queue is a leaf, so a first text queues
// the chat at once and assignment follows.
const (
	businessNumber = "+18005550199"
	lineOfBusiness = "bench"
	supportQueue   = "bench-support"
	// warmupNumber opens chats in a menu, which takes no agent, to warm the emulators up.
	warmupNumber = "+18005550198"
	warmupMenu   = "bench-warmup"
	// assignedPrefix starts the "assigned" message; the catalog sets it so the bench does not
	// depend on the built-in wording.
	assignedPrefix = "[bench] You're now chatting with "
)

type fixture struct {
	agentIDs []string
	capacity int
	mps      float64
	tokens   map[string]string // agent id → API token
	// console gives every agent a console password and adds benchSupervisor (mode console).
	console bool
}

func newFixture(agents, capacity int, mps float64) fixture {
	f := fixture{capacity: capacity, mps: mps, tokens: map[string]string{}}
	for i := range agents {
		id := fmt.Sprintf("bench-agent-%03d", i+1)
		f.agentIDs = append(f.agentIDs, id)
		f.tokens[id] = "bench-token-" + id
	}
	return f
}

// catalog is the benchmark's configuration. Its numbers send at the rate given (a short code
// sends 100 messages a second; the default of 1 would make the carrier rate the bottleneck),
// and its timeouts are an hour, so that no timer fires while the bench measures.
func (f fixture) catalog() config.Catalog {
	hour := "1h"
	c := config.Catalog{
		Settings: config.Settings{Timeouts: &config.Timeouts{
			InactivityWarn: hour, InactivityEnd: hour, QueueWait: hour, ReplyDue: hour, Expiration: "24h",
		}},
		Numbers: []config.Number{{
			Number: businessNumber, LineOfBusiness: lineOfBusiness, EntryQueue: supportQueue,
			DefaultLanguage: "en", Brand: "Bench Shop", ExitWord: "EXIT", MPS: f.mps,
			Messages: map[string]map[string]string{"en": {"assigned": assignedPrefix + "{agent}."}},
		}, {
			Number: warmupNumber, LineOfBusiness: lineOfBusiness, EntryQueue: warmupMenu,
			DefaultLanguage: "en", Brand: "Bench Warm-up", MPS: f.mps,
		}},
		Queues: []config.Queue{
			{ID: supportQueue, Name: "Support", LineOfBusiness: lineOfBusiness},
			{ID: warmupMenu, Name: "Warm-up menu", LineOfBusiness: lineOfBusiness},
			{ID: warmupMenu + "-leaf", Name: "Nobody", Parent: warmupMenu, Order: 1, LineOfBusiness: lineOfBusiness},
		},
	}
	for i, id := range f.agentIDs {
		c.Agents = append(c.Agents, config.Agent{
			ID: id, Name: fmt.Sprintf("Agent %d", i+1), Queues: []string{supportQueue},
			Capacity: f.capacity, Token: f.tokens[id],
		})
	}
	if f.console {
		for i := range c.Agents {
			c.Agents[i].Password = consolePassword(c.Agents[i].ID)
		}
		c.Agents = append(c.Agents, config.Agent{
			ID: benchSupervisor, Name: "Bench Supervisor", Queues: []string{supportQueue}, Capacity: 1,
			Role: config.RoleSupervisor, Password: consolePassword(benchSupervisor),
		})
	}
	return c
}

// api calls the agent API as the agent and decodes the JSON answer into out.
func (b *bench) api(ctx context.Context, agentID, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.runner.BaseURL+"/agent"+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+b.fixture.tokens[agentID])
	resp, err := b.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s as %s: %w", method, path, agentID, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s as %s: read answer: %w", method, path, agentID, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s as %s: %s: %s", method, path, agentID, resp.Status, bytes.TrimSpace(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s as %s: answer %q: %w", method, path, agentID, raw, err)
		}
	}
	return nil
}

func (b *bench) setStatus(ctx context.Context, agentID, status string) error {
	var me struct{ Status string }
	if err := b.api(ctx, agentID, http.MethodPut, "/status", map[string]string{"status": status}, &me); err != nil {
		return err
	}
	if me.Status != status {
		return fmt.Errorf("agent %s is %q after PUT /status %q", agentID, me.Status, status)
	}
	return nil
}

// transcriptHas reports whether the agent's GET /chats/{id} shows a consumer entry with body.
func (b *bench) transcriptHas(ctx context.Context, agentID, chatID, body string) (bool, error) {
	var chat struct {
		Transcript []struct{ Author, Body string }
	}
	if err := b.api(ctx, agentID, http.MethodGet, "/chats/"+chatID, nil, &chat); err != nil {
		return false, err
	}
	for i := len(chat.Transcript) - 1; i >= 0; i-- {
		if e := chat.Transcript[i]; e.Author == "consumer" && e.Body == body {
			return true, nil
		}
	}
	return false, nil
}
