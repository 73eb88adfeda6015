// Package agent is the agent API: JSON over HTTP with a bearer token. An agent sees and acts
// only on their own chats.
//
//	GET  /me                       the agent and their status
//	PUT  /status                   {"status":"available|busy|away|offline"}
//	GET  /chats                    the agent's chats with transcripts
//	GET  /chats/{id}               one chat
//	POST /chats/{id}/messages      {"body":"..."} reply to the consumer
//	POST /chats/{id}/end           end the chat
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/smsdesk/smsdesk/shared/agents"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Directory finds the agent a token belongs to.
type Directory interface {
	AgentByToken(ctx context.Context, token string) (routing.Agent, error)
}

// Handler serves the agent API.
type Handler struct {
	Directory Directory
	Desk      *agents.Desk
	Log       *slog.Logger
	mux       *http.ServeMux
}

// New builds the API's routes. Paths may carry the function's own name as a prefix
// ("/agent/chats"), as they do behind cloudfunctions.net URLs.
func New(dir Directory, desk *agents.Desk, log *slog.Logger) *Handler {
	h := &Handler{Directory: dir, Desk: desk, Log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /me", h.auth(h.me))
	h.mux.HandleFunc("PUT /status", h.auth(h.status))
	h.mux.HandleFunc("GET /chats", h.auth(h.chats))
	h.mux.HandleFunc("GET /chats/{id}", h.auth(h.chat))
	h.mux.HandleFunc("POST /chats/{id}/messages", h.auth(h.reply))
	h.mux.HandleFunc("POST /chats/{id}/end", h.auth(h.end))
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no route "+r.Method+" "+r.URL.Path+"; see GET /me, PUT /status, GET /chats, POST /chats/{id}/messages, POST /chats/{id}/end")
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/agent")
	if r2.URL.Path == "" {
		r2.URL.Path = "/"
	}
	h.mux.ServeHTTP(w, r2)
}

type authed func(w http.ResponseWriter, r *http.Request, a routing.Agent)

func (h *Handler) auth(next authed) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			writeError(w, http.StatusUnauthorized, "unauthenticated", "send the agent token as 'Authorization: Bearer <token>'")
			return
		}
		a, err := h.Directory.AgentByToken(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusUnauthorized, "unauthenticated", "unknown agent token")
			return
		}
		if err != nil {
			h.fail(w, err)
			return
		}
		next(w, r, a)
	}
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	writeJSON(w, http.StatusOK, agentView(a))
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	var req struct {
		Status string `json:"status"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	updated, err := h.Desk.SetStatus(r.Context(), a.ID, req.Status)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, agentView(updated))
}

func (h *Handler) chats(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	chats, err := h.Desk.Chats(r.Context(), a.ID)
	if err != nil {
		h.fail(w, err)
		return
	}
	out := make([]chatJSON, 0, len(chats))
	for _, c := range chats {
		out = append(out, chatView(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"chats": out})
}

func (h *Handler) chat(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	c, err := h.Desk.Chat(r.Context(), a.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, chatView(c))
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	var req struct {
		Body string `json:"body"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	e, err := h.Desk.Reply(r.Context(), a.ID, r.PathValue("id"), req.Body)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, entryView(e))
}

func (h *Handler) end(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	if err := h.Desk.End(r.Context(), a.ID, r.PathValue("id")); err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "state": "ended"})
}

// fail maps domain errors to answers that say what to fix.
func (h *Handler) fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, agents.ErrInvalid):
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
	case errors.Is(err, agents.ErrNotYourChat):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	default:
		h.Log.Error("agent API failure", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error; try again")
	}
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_json", "request body must be a JSON object: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, kind, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]string{"code": kind, "message": msg}})
}
