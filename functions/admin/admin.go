// Package admin is the admin API: JSON over HTTP with the bearer token of an agent whose role
// is admin. Every change is validated against the whole configuration before it is stored,
// so a reference to an unknown queue, a keyword used twice in one menu or a malformed number
// is refused with every problem named.
//
//	GET    /config                   the whole configuration (agents without tokens or passwords)
//	PUT    /settings                 {"smsChatOff": false, "defaultCapacity": 3}
//	PUT    /numbers/{number}         a number; DELETE removes it
//	PUT    /queues/{id}              a queue with its messages, hours and predefined messages
//	PUT    /teams/{id}               a team; PUT /agents/{id} an agent ("token" and "password"
//	                                 set new ones, "disabled" stops them at once)
//	DELETE /queues/{id}, /teams/{id}, /agents/{id}
//	GET    /blocked                  blocked numbers, with their dropped calls and texts
//	PUT    /blocked/{number}         {"reason": "..."} blocks a number; DELETE unblocks it
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

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/configadmin"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Store is the configuration store: who is calling, what is configured, and changes made in
// one transaction (configadmin.Store).
type Store interface {
	AgentByToken(ctx context.Context, token string) (routing.Agent, error)
	ReadCatalog(ctx context.Context) (config.Catalog, error)
	configadmin.Store
	Blocklist
}

// Handler serves the admin API.
type Handler struct {
	store Store
	admin *configadmin.Admin
	log   *slog.Logger
	mux   *http.ServeMux
	serve http.Handler
}

// New builds the routes. Paths may carry the function's name as a prefix ("/admin/queues").
func New(s Store, log *slog.Logger) *Handler {
	h := &Handler{store: s, admin: &configadmin.Admin{Store: s}, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /config", h.getConfig)
	h.mux.HandleFunc("PUT /settings", put(h, func(ctx context.Context, _ string, v config.Settings) error {
		return h.admin.PutSettings(ctx, v)
	}))
	h.mux.HandleFunc("PUT /numbers/{id}", put(h, func(ctx context.Context, id string, v config.Number) error {
		v.Number = id
		return h.admin.PutNumber(ctx, v)
	}))
	h.mux.HandleFunc("PUT /queues/{id}", put(h, func(ctx context.Context, id string, v config.Queue) error {
		v.ID = id
		return h.admin.PutQueue(ctx, v)
	}))
	h.mux.HandleFunc("PUT /teams/{id}", put(h, func(ctx context.Context, id string, v config.Team) error {
		v.ID = id
		return h.admin.PutTeam(ctx, v)
	}))
	h.mux.HandleFunc("PUT /agents/{id}", put(h, func(ctx context.Context, id string, v config.Agent) error {
		v.ID = id
		return h.admin.PutAgent(ctx, v)
	}))
	for _, kind := range []string{configadmin.KindNumber, configadmin.KindQueue, configadmin.KindTeam, configadmin.KindAgent} {
		h.mux.HandleFunc("DELETE /"+kind+"/{id}", func(w http.ResponseWriter, r *http.Request) {
			h.answer(w, r, h.admin.Remove(r.Context(), kind, r.PathValue("id")))
		})
	}
	h.blockedRoutes(s)
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
	if errors.Is(err, agent.ErrDisabled) {
		jsonapi.WriteError(w, http.StatusUnauthorized, "unauthenticated", "agent disabled")
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

// put decodes the body as a T, strictly, and makes the change with it.
func put[T any](h *Handler, change func(ctx context.Context, id string, v T) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var raw json.RawMessage
		if !jsonapi.Decode(w, r, 256<<10, &raw) {
			return
		}
		var v T
		if err := jsonapi.DecodeStrict(bytes.NewReader(raw), &v); err != nil {
			jsonapi.WriteError(w, http.StatusBadRequest, "invalid_json", fmt.Sprintf("body: %v", err))
			return
		}
		h.answer(w, r, change(r.Context(), r.PathValue("id"), v))
	}
}

// answer encodes the outcome of a change: saved, refused with every problem named, or failed.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, err error) {
	var refused *configadmin.Refusal
	switch {
	case err == nil:
		h.log.Info("configuration changed", "path", r.URL.Path, "method", r.Method)
		jsonapi.Write(w, http.StatusOK, map[string]string{"status": "saved"})
	case errors.As(err, &refused) && refused.Kind == configadmin.NotFound:
		jsonapi.WriteError(w, http.StatusNotFound, "not_found", refused.Error())
	case errors.As(err, &refused) && refused.Kind == configadmin.InvalidConfig:
		jsonapi.WriteError(w, http.StatusBadRequest, "invalid_config", refused.Error())
	case errors.As(err, &refused):
		jsonapi.WriteError(w, http.StatusBadRequest, "invalid_json", refused.Error())
	default:
		h.internal(w, err)
	}
}

func (h *Handler) internal(w http.ResponseWriter, err error) {
	h.log.Error("admin API failure", "err", err)
	jsonapi.WriteError(w, http.StatusInternalServerError, "internal", "internal error; try again")
}
