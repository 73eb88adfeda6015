// Package configadmin changes the stored configuration one piece at a time, as the admin API
// asks: each change is applied to the whole configuration as it stands, the result is
// validated as a whole, and it is written in the same transaction that read it, so two
// admins changing the configuration at once never lose one of the changes, and a change
// that would make the configuration invalid changes nothing.
package configadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ids"
)

// Store runs change over the stored configuration in one transaction: it loads the whole
// catalog, calls change on it and, when change returns nil, writes the catalog as change left
// it (what it added, changed and removed); an error from change writes nothing and is
// returned as it is. change may run more than once (a transaction retried after contention).
type Store interface {
	UpdateCatalog(ctx context.Context, change func(c *config.Catalog) error) error
}

// Kind says what is wrong with a refused change.
type Kind int

// Kinds of refusal.
const (
	// BadChange is a change that is wrong in itself (a new agent without a token).
	BadChange Kind = iota + 1
	// InvalidConfig is a change that would leave the whole configuration invalid.
	InvalidConfig
	// NotFound is a removal of something that is not configured.
	NotFound
)

// Refusal is a change not made; Err names every problem found.
type Refusal struct {
	Kind Kind
	Err  error
}

func (r *Refusal) Error() string { return r.Err.Error() }

func (r *Refusal) Unwrap() error { return r.Err }

// What an admin adds, changes or removes: the kinds of Remove.
const (
	KindNumber = "numbers"
	KindQueue  = "queues"
	KindTeam   = "teams"
	KindAgent  = "agents"
)

// Admin applies administrators' changes.
type Admin struct {
	Store Store
}

// PutSettings replaces the deployment-wide settings.
func (a *Admin) PutSettings(ctx context.Context, s config.Settings) error {
	return a.apply(ctx, func(c *config.Catalog) error { c.Settings = s; return nil })
}

// PutNumber adds or replaces a business number.
func (a *Admin) PutNumber(ctx context.Context, n config.Number) error {
	return a.apply(ctx, func(c *config.Catalog) error {
		upsert(&c.Numbers, n, func(x config.Number) bool { return x.Number == n.Number })
		return nil
	})
}

// PutQueue adds or replaces a queue.
func (a *Admin) PutQueue(ctx context.Context, q config.Queue) error {
	return a.apply(ctx, func(c *config.Catalog) error {
		upsert(&c.Queues, q, func(x config.Queue) bool { return x.ID == q.ID })
		return nil
	})
}

// PutTeam adds or replaces a team.
func (a *Admin) PutTeam(ctx context.Context, t config.Team) error {
	return a.apply(ctx, func(c *config.Catalog) error {
		upsert(&c.Teams, t, func(x config.Team) bool { return x.ID == t.ID })
		return nil
	})
}

// PutAgent adds or replaces an agent's configuration. An existing agent given no token or
// password keeps theirs; a new agent needs a token, to log in with.
func (a *Admin) PutAgent(ctx context.Context, ag config.Agent) error {
	return a.apply(ctx, func(c *config.Catalog) error {
		isNew := !slices.ContainsFunc(c.Agents, func(x config.Agent) bool { return x.ID == ag.ID })
		if isNew && strings.TrimSpace(ag.Token) == "" {
			return &Refusal{Kind: BadChange, Err: errors.New(`a new agent needs a "token"`)}
		}
		upsert(&c.Agents, ag, func(x config.Agent) bool { return x.ID == ag.ID })
		return nil
	})
}

// Remove removes a number, queue, team or agent (kind is one of the Kind constants).
func (a *Admin) Remove(ctx context.Context, kind, id string) error {
	return a.apply(ctx, func(c *config.Catalog) error {
		var removed bool
		switch kind {
		case KindNumber:
			removed = remove(&c.Numbers, func(x config.Number) bool { return x.Number == id })
		case KindQueue:
			removed = remove(&c.Queues, func(x config.Queue) bool { return x.ID == id })
		case KindTeam:
			removed = remove(&c.Teams, func(x config.Team) bool { return x.ID == id })
		case KindAgent:
			removed = remove(&c.Agents, func(x config.Agent) bool { return x.ID == id })
		default:
			return fmt.Errorf("remove %q: unknown kind of configuration", kind)
		}
		if !removed {
			return &Refusal{Kind: NotFound, Err: fmt.Errorf("no %s %s", strings.TrimSuffix(kind, "s"), ids.Short(id))}
		}
		return nil
	})
}

// apply runs change and validates the result, in one transaction of the store.
func (a *Admin) apply(ctx context.Context, change func(c *config.Catalog) error) error {
	err := a.Store.UpdateCatalog(ctx, func(c *config.Catalog) error {
		if err := change(c); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return &Refusal{Kind: InvalidConfig, Err: err}
		}
		return nil
	})
	var r *Refusal
	if err != nil && !errors.As(err, &r) {
		return fmt.Errorf("change configuration: %w", err)
	}
	return err
}

// upsert replaces the element of list that is matches with v, or appends v.
func upsert[T any](list *[]T, v T, is func(T) bool) {
	if i := slices.IndexFunc(*list, is); i >= 0 {
		(*list)[i] = v
		return
	}
	*list = append(*list, v)
}

// remove deletes the elements of list that is matches and reports whether there were any.
func remove[T any](list *[]T, is func(T) bool) bool {
	n := len(*list)
	*list = slices.DeleteFunc(*list, is)
	return len(*list) != n
}
