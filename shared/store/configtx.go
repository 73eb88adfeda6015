package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
)

// UpdateCatalog runs change over the whole stored configuration in one transaction: it reads
// the settings, numbers, queues, teams and agents, calls change, and when change returns nil
// writes what change made different: documents added or changed are set (an agent's live
// status and load are kept), documents removed are deleted. An error from change writes
// nothing and is returned as it is. change runs again when the transaction is retried.
func (s *Store) UpdateCatalog(ctx context.Context, change func(c *config.Catalog) error) error {
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		stored, loads, err := s.readCatalogTx(tx)
		if err != nil {
			return err
		}
		// Two copies made alike, so that only what change did differs between them.
		before, err := cloneCatalog(stored)
		if err != nil {
			return err
		}
		after, err := cloneCatalog(stored)
		if err != nil {
			return err
		}
		if err := change(&after); err != nil {
			return err
		}
		return s.writeCatalogDiff(tx, before, after, loads)
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.forgetConfigLocked()
	s.mu.Unlock()
	return nil
}

// cloneCatalog is a deep copy of c.
func cloneCatalog(c config.Catalog) (config.Catalog, error) {
	var out config.Catalog
	b, err := json.Marshal(c)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		return out, fmt.Errorf("copy configuration: %w", err)
	}
	return out, nil
}

// readCatalogTx reads the configuration the admin API changes, inside tx.
// It returns the agents' active chats by id beside it, for their hasRoom.
func (s *Store) readCatalogTx(tx *firestore.Transaction) (config.Catalog, map[string]int, error) {
	var c config.Catalog
	snap, err := tx.Get(s.fs.Collection(colSettings).Doc(docSettings))
	switch {
	case isNotFound(err):
	case err != nil:
		return c, nil, fmt.Errorf("read settings: %w", err)
	default:
		if err := snap.DataTo(&c.Settings); err != nil {
			return c, nil, fmt.Errorf("decode settings: %w", err)
		}
	}
	if err := readAllTx(tx, s.fs.Collection(colNumbers), &c.Numbers); err != nil {
		return c, nil, err
	}
	if err := readAllTx(tx, s.fs.Collection(colQueues), &c.Queues); err != nil {
		return c, nil, err
	}
	if err := readAllTx(tx, s.fs.Collection(colTeams), &c.Teams); err != nil {
		return c, nil, err
	}
	docs, err := tx.Documents(s.fs.Collection(colAgents)).GetAll()
	if err != nil {
		return c, nil, fmt.Errorf("read %s: %w", colAgents, err)
	}
	loads := make(map[string]int, len(docs))
	for _, d := range docs {
		var a config.Agent
		var live agent.Agent
		if err := d.DataTo(&a); err != nil {
			return c, nil, fmt.Errorf("decode %s: %w", d.Ref.Path, err)
		}
		if err := d.DataTo(&live); err != nil {
			return c, nil, fmt.Errorf("decode %s: %w", d.Ref.Path, err)
		}
		c.Agents, loads[a.ID] = append(c.Agents, a), live.ActiveChats
	}
	return c, loads, nil
}

// readAllTx decodes every document of col, read inside tx.
func readAllTx[T any](tx *firestore.Transaction, col *firestore.CollectionRef, out *[]T) error {
	docs, err := tx.Documents(col).GetAll()
	if err != nil {
		return fmt.Errorf("read %s: %w", col.ID, err)
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

// writeCatalogDiff writes, in tx, the documents that differ between before and after; an
// agent's hasRoom follows their capacity over their load as read in tx.
func (s *Store) writeCatalogDiff(tx *firestore.Transaction, before, after config.Catalog, loads map[string]int) error {
	if !reflect.DeepEqual(before.Settings, after.Settings) {
		if err := tx.Set(s.fs.Collection(colSettings).Doc(docSettings), after.Settings); err != nil {
			return err
		}
	}
	docs := func(c config.Catalog) map[string]any {
		m := map[string]any{}
		for _, n := range c.Numbers {
			m[colNumbers+"/"+n.Number] = n
		}
		for _, q := range c.Queues {
			m[colQueues+"/"+q.ID] = q
		}
		for _, t := range c.Teams {
			m[colTeams+"/"+t.ID] = t
		}
		for _, a := range c.Agents {
			fields := agentConfig(c, a)
			fields[hasRoom] = loads[a.ID] < fields["capacity"].(int)
			m[colAgents+"/"+a.ID] = fields
		}
		return m
	}
	was, now := docs(before), docs(after)
	for path, v := range now {
		if old, ok := was[path]; ok && reflect.DeepEqual(old, v) {
			continue
		}
		var opts []firestore.SetOption
		if _, isAgent := v.(map[string]any); isAgent {
			opts = append(opts, firestore.MergeAll) // keep the agent's live status and load
		}
		if err := tx.Set(s.fs.Doc(path), v, opts...); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	for path := range was {
		if _, ok := now[path]; !ok {
			if err := tx.Delete(s.fs.Doc(path)); err != nil {
				return fmt.Errorf("delete %s: %w", path, err)
			}
		}
	}
	return nil
}
