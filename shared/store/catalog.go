package store

import (
	"context"
	"fmt"
	"strings"

	"cloud.google.com/go/firestore"
	"golang.org/x/sync/errgroup"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/password"
)

// Settings reads the deployment-wide settings; missing settings are the defaults.
func (s *Store) Settings(ctx context.Context) (config.Settings, error) {
	var out config.Settings
	snap, err := s.fs.Collection(colSettings).Doc(docSettings).Get(ctx)
	if isNotFound(err) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("read settings: %w", err)
	}
	return out, snap.DataTo(&out)
}

// LoadCatalog writes a validated configuration into Firestore. Agents keep their live status
// and load; only their configuration is replaced, with the queues they serve through teams
// folded into servesQueues (the field assignment queries).
func (s *Store) LoadCatalog(ctx context.Context, c config.Catalog) error {
	if err := c.Validate(); err != nil {
		return err
	}
	bw := s.fs.BulkWriter(ctx)
	var jobs []*firestore.BulkWriterJob
	set := func(ref *firestore.DocumentRef, data any, opts ...firestore.SetOption) error {
		j, err := bw.Set(ref, data, opts...)
		if err != nil {
			return fmt.Errorf("write %s: %w", ref.Path, err)
		}
		jobs = append(jobs, j)
		return nil
	}
	if err := set(s.fs.Collection(colSettings).Doc(docSettings), c.Settings); err != nil {
		return err
	}
	for _, n := range c.Numbers {
		if err := set(s.fs.Collection(colNumbers).Doc(n.Number), n); err != nil {
			return err
		}
	}
	for _, q := range c.Queues {
		if err := set(s.fs.Collection(colQueues).Doc(q.ID), q); err != nil {
			return err
		}
	}
	for _, t := range c.Teams {
		if err := set(s.fs.Collection(colTeams).Doc(t.ID), t); err != nil {
			return err
		}
	}
	for _, a := range c.Agents {
		if err := set(s.agentRef(a.ID), agentConfig(c, a), firestore.MergeAll); err != nil {
			return err
		}
	}
	for _, t := range c.Templates {
		if err := set(s.fs.Collection(colTemplates).Doc(t.ID+"_"+t.Language), t); err != nil {
			return err
		}
	}
	for _, k := range c.APIKeys {
		fields := map[string]any{"id": k.ID, "name": k.Name}
		if k.Key != "" {
			fields["keyHash"] = HashToken(k.Key)
		}
		if err := set(s.fs.Collection(colAPIKeys).Doc(k.ID), fields, firestore.MergeAll); err != nil {
			return err
		}
	}
	bw.End()
	for _, j := range jobs {
		if _, err := j.Results(); err != nil {
			return fmt.Errorf("load config: %w", err)
		}
	}
	ids := make([]string, len(c.Agents))
	for i, a := range c.Agents {
		ids[i] = a.ID
	}
	if err := s.settleRoom(ctx, ids); err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	s.mu.Lock()
	s.forgetConfigLocked()
	s.mu.Unlock()
	return nil
}

// agentConfig is the configuration part of an agent document, with the config's defaults.
func agentConfig(c config.Catalog, a config.Agent) map[string]any {
	a = a.WithDefaults(c.Settings)
	served := c.ServedQueues(a.ID, a.Queues)
	fields := map[string]any{
		"id": a.ID, "name": a.Name, "queues": a.Queues, "servesQueues": served, "servesLines": c.ServedLines(served),
		"capacity": a.Capacity, "languages": a.Languages, "role": a.Role, "answer": a.Answer,
		// Always written, so that enabling an agent again or removing their email takes.
		"disabled": a.Disabled, "email": strings.ToLower(a.Email),
	}
	if a.Token != "" {
		fields["tokenHash"] = HashToken(a.Token)
	}
	if a.Password != "" {
		fields["passwordHash"] = password.Hash(a.Password)
	}
	return fields
}

const colTemplates = "templates"

// ReadCatalog reads the whole configuration back from Firestore (agents without tokens or
// passwords: config.Agent has no field for their hashes).
func (s *Store) ReadCatalog(ctx context.Context) (config.Catalog, error) {
	var c config.Catalog
	var err error
	if c.Settings, err = s.Settings(ctx); err != nil {
		return c, err
	}
	if err := readAll(ctx, s.fs.Collection(colNumbers), &c.Numbers); err != nil {
		return c, err
	}
	if err := readAll(ctx, s.fs.Collection(colQueues), &c.Queues); err != nil {
		return c, err
	}
	if err := readAll(ctx, s.fs.Collection(colTeams), &c.Teams); err != nil {
		return c, err
	}
	err = readAll(ctx, s.fs.Collection(colAgents), &c.Agents)
	return c, err
}

// readAll decodes every document q returns.
func readAll[T any](ctx context.Context, q interface {
	Documents(context.Context) *firestore.DocumentIterator
}, out *[]T) error {
	docs, err := q.Documents(ctx).GetAll()
	if err != nil {
		return fmt.Errorf("read documents: %w", err)
	}
	for _, d := range docs {
		var v T
		if err := d.DataTo(&v); err != nil {
			return fmt.Errorf("decode %s: %w", d.Ref.Path, err)
		}
		*out = append(*out, v)
	}
	return nil
}

// settleRoom sets each agent's hasRoom from their load and capacity as stored, after a
// catalog load wrote the capacity without reading the load; an agent whose hasRoom already
// agrees is only read.
func (s *Store) settleRoom(ctx context.Context, ids []string) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, id := range ids {
		g.Go(func() error {
			ref := s.agentRef(id)
			return s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
				snap, err := tx.Get(ref)
				if err != nil {
					return fmt.Errorf("read agent %s: %w", id, err)
				}
				var a agent.Agent
				if err := snap.DataTo(&a); err != nil {
					return fmt.Errorf("decode agent %s: %w", id, err)
				}
				room := a.ActiveChats < a.Capacity
				if v, err := snap.DataAt(hasRoom); err == nil && v == room {
					return nil
				}
				return tx.Update(ref, []firestore.Update{{Path: hasRoom, Value: room}})
			})
		})
	}
	return g.Wait()
}
