// Package admin is the admin API: JSON over HTTP with the bearer token of an agent whose role
// is admin. Every change is validated against the whole configuration before it is stored,
// so a reference to an unknown queue, a keyword used twice in one menu or a malformed number
// is refused with every problem named.
//
//	GET    /config                   the whole configuration (agents without tokens)
//	PUT    /settings                 {"smsChatOff": false, "defaultCapacity": 3}
//	PUT    /numbers/{number}         a number; DELETE removes it
//	PUT    /queues/{id}              a queue with its messages, hours and predefined messages
//	PUT    /teams/{id}               a team; PUT /agents/{id} an agent ("token" sets a new one)
//	DELETE /queues/{id}, /teams/{id}, /agents/{id}
package admin

import (
	"github.com/smsdesk/smsdesk/functions/internal/jsonapi"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Store is the configuration store.
type Store interface {
	AgentByToken(ctx context.Context, token string) (routing.Agent, error)
	ReadCatalog(ctx context.Context) (config.Catalog, error)
	LoadCatalog(ctx context.Context, c config.Catalog) error
	DeleteConfig(ctx context.Context, kind, id string) error
}

// Handler serves the admin API.
type Handler struct {
	store Store
	log   *slog.Logger
	mux   *http.ServeMux
	serve http.Handler
}

// New builds the routes. Paths may carry the function's name as a prefix ("/admin/queues").
func New(s Store, log *slog.Logger) *Handler {
	h := &Handler{store: s, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /config", h.getConfig)
	h.mux.HandleFunc("PUT /settings", h.put(func(c *config.Catalog, id string, raw json.RawMessage) error {
		return strictJSON(raw, &c.Settings)
	}))
	h.mux.HandleFunc("PUT /numbers/{id}", h.put(func(c *config.Catalog, id string, raw json.RawMessage) error {
		n := config.Number{Number: id}
		return upsert(&c.Numbers, raw, &n, func(x config.Number) bool { return x.Number == id }, func() { n.Number = id })
	}))
	h.mux.HandleFunc("PUT /queues/{id}", h.put(func(c *config.Catalog, id string, raw json.RawMessage) error {
		q := config.Queue{}
		return upsert(&c.Queues, raw, &q, func(x config.Queue) bool { return x.ID == id }, func() { q.ID = id })
	}))
	h.mux.HandleFunc("PUT /teams/{id}", h.put(func(c *config.Catalog, id string, raw json.RawMessage) error {
		t := config.Team{}
		return upsert(&c.Teams, raw, &t, func(x config.Team) bool { return x.ID == id }, func() { t.ID = id })
	}))
	h.mux.HandleFunc("PUT /agents/{id}", h.put(func(c *config.Catalog, id string, raw json.RawMessage) error {
		isNew := !slices.ContainsFunc(c.Agents, func(x config.Agent) bool { return x.ID == id })
		a := config.Agent{}
		if err := upsert(&c.Agents, raw, &a, func(x config.Agent) bool { return x.ID == id }, func() { a.ID = id }); err != nil {
			return err
		}
		// Without a "token" an existing agent keeps theirs; a new agent needs one to log in.
		if isNew && strings.TrimSpace(a.Token) == "" {
			return errors.New(`a new agent needs a "token"`)
		}
		return nil
	}))
	for _, kind := range []string{store.KindNumber, store.KindQueue, store.KindTeam, store.KindAgent} {
		h.mux.HandleFunc("DELETE /"+kind+"/{id}", h.remove(kind))
	}
	h.mux.HandleFunc("/", jsonapi.NoRoute("admin"))
	h.serve = jsonapi.StripPrefix("/admin", h.mux, jsonapi.NoRoute("admin"))
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token := jsonapi.BearerToken(r)
	if token == "" {
		jsonapi.WriteError(w, http.StatusUnauthorized, "unauthenticated", "send an admin's token as 'Authorization: Bearer <token>'")
		return
	}
	a, err := h.store.AgentByToken(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		jsonapi.WriteError(w, http.StatusUnauthorized, "unauthenticated", "unknown token")
		return
	}
	if err != nil {
		h.internal(w, err)
		return
	}
	if a.Role != config.RoleAdmin {
		jsonapi.WriteError(w, http.StatusForbidden, "forbidden", "the admin API needs an agent with role admin")
		return
	}
	h.serve.ServeHTTP(w, r)
}

func (h *Handler) getConfig(w http.ResponseWriter, r *http.Request) {
	c, err := h.store.ReadCatalog(r.Context())
	if err != nil {
		h.internal(w, err)
		return
	}
	jsonapi.Write(w, http.StatusOK, c)
}

// put applies one change to the stored configuration, validates the whole, then stores it.
func (h *Handler) put(apply func(c *config.Catalog, id string, raw json.RawMessage) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var raw json.RawMessage
		if !jsonapi.Decode(w, r, 256<<10, &raw) {
			return
		}
		c, err := h.store.ReadCatalog(r.Context())
		if err != nil {
			h.internal(w, err)
			return
		}
		if err := apply(&c, r.PathValue("id"), raw); err != nil {
			jsonapi.WriteError(w, http.StatusBadRequest, "invalid_json", err.Error())
			return
		}
		h.save(w, r, c, "")
	}
}

func (h *Handler) remove(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		c, err := h.store.ReadCatalog(r.Context())
		if err != nil {
			h.internal(w, err)
			return
		}
		before := len(c.Numbers) + len(c.Queues) + len(c.Teams) + len(c.Agents)
		c.Numbers = slices.DeleteFunc(c.Numbers, func(x config.Number) bool { return kind == store.KindNumber && x.Number == id })
		c.Queues = slices.DeleteFunc(c.Queues, func(x config.Queue) bool { return kind == store.KindQueue && x.ID == id })
		c.Teams = slices.DeleteFunc(c.Teams, func(x config.Team) bool { return kind == store.KindTeam && x.ID == id })
		c.Agents = slices.DeleteFunc(c.Agents, func(x config.Agent) bool { return kind == store.KindAgent && x.ID == id })
		if len(c.Numbers)+len(c.Queues)+len(c.Teams)+len(c.Agents) == before {
			jsonapi.WriteError(w, http.StatusNotFound, "not_found", "no "+strings.TrimSuffix(kind, "s")+" "+ids.Short(id))
			return
		}
		h.save(w, r, c, kind+"/"+id)
	}
}

func (h *Handler) save(w http.ResponseWriter, r *http.Request, c config.Catalog, deleted string) {
	if err := c.Validate(); err != nil {
		jsonapi.WriteError(w, http.StatusBadRequest, "invalid_config", err.Error())
		return
	}
	if err := h.store.LoadCatalog(r.Context(), c); err != nil {
		h.internal(w, err)
		return
	}
	if deleted != "" {
		kind, id, _ := strings.Cut(deleted, "/")
		if err := h.store.DeleteConfig(r.Context(), kind, id); err != nil {
			h.internal(w, err)
			return
		}
	}
	h.log.Info("configuration changed", "path", r.URL.Path, "method", r.Method)
	jsonapi.Write(w, http.StatusOK, map[string]string{"status": "saved"})
}

func (h *Handler) internal(w http.ResponseWriter, err error) {
	h.log.Error("admin API failure", "err", err)
	jsonapi.WriteError(w, http.StatusInternalServerError, "internal", "internal error; try again")
}

// upsert decodes raw into *v (strictly), fixes its id from the path with setID, and replaces
// the element of list that is matches, or appends it.
func upsert[T any](list *[]T, raw json.RawMessage, v *T, is func(T) bool, setID func()) error {
	if err := strictJSON(raw, v); err != nil {
		return err
	}
	setID()
	if i := slices.IndexFunc(*list, is); i >= 0 {
		(*list)[i] = *v
	} else {
		*list = append(*list, *v)
	}
	return nil
}

// strictJSON decodes raw into v, refusing fields v does not have (a typo must not be ignored).
func strictJSON(raw json.RawMessage, v any) error {
	if err := jsonapi.DecodeStrict(bytes.NewReader(raw), v); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}
