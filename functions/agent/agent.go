// Package agent is the agent API: JSON over HTTP with a bearer token. An agent acts only on
// the chats they hold, and reads those they hold or held; supervisors read their lines' chats,
// admins every chat (desk.CanRead).
//
//	GET  /me                       the agent and their status
//	PUT  /status                   {"status":"available|busy|away|offline"}
//	GET  /chats                    the agent's chats with transcripts, then the chats offered to them
//	GET  /chats?scope=unattended   supervisors and admins: chats of their lines that ended
//	                               with no agent (before=RFC3339 pages back)
//	GET  /chats/{id}               one chat the agent may read (desk.CanRead)
//	POST /chats/{id}/messages      {"body":"...","media":[{"contentType":"image/png","data":"<base64>"}]}
//	                               reply to the consumer: text, attachments (MMS) or both
//	POST /chats/{id}/accept        accept a chat offered to you (manual answer)
//	POST /chats/{id}/decline       decline it: it goes to the next agent
//	POST /chats/{id}/end           end the chat
//	POST /chats/{id}/transfer      {"agent":"id"} or {"queue":"id"}, with an optional "note"
//	GET  /chats/{id}/predefined    canned messages for the chat's queue and language
//	POST /chats/{id}/contact       {"contactId":"id"} or {"create":true}: the CRM contact of a
//	                               chat whose number matches several ("contact.candidates")
//	GET  /events?after=RFC3339     notices: new chats, offers and missed offers, transfers received or failed
//	GET  /monitor                  supervisors and admins: live monitoring (monitor.go)
//	GET  /stream                   live changes as server-sent events (stream.go)
//	/contacts...                   the built-in CRM's contacts (contacts.go)
package agent

import (
	"github.com/smsdesk/smsdesk/functions/internal/jsonapi"

	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	staff "github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/agentview"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Directory finds the agent a token belongs to and their notices.
type Directory interface {
	AgentByToken(ctx context.Context, token string) (routing.Agent, error)
	AgentEvents(ctx context.Context, agentID string, after time.Time, limit int) ([]store.AgentEvent, error)
}

// Handler serves the agent API.
type Handler struct {
	Directory Directory
	Desk      *desk.Desk
	// MediaURL signs a media copy for the agent; nil when media stay at the carrier.
	MediaURL func(object string) (string, error)
	// Monitor serves live monitoring; nil answers 404 (WithMonitor sets it).
	Monitor Monitoring
	// Reports serves reports and agents' statistics; nil leaves them out (WithReports).
	Reports Reporting
	Log     *slog.Logger
	mux     *http.ServeMux
	serve   http.Handler
}

// New builds the API's routes. Paths may carry the function's own name as a prefix
// ("/agent/chats"), as they do behind cloudfunctions.net URLs.
func New(dir Directory, d *desk.Desk, mediaURL func(string) (string, error), log *slog.Logger) *Handler {
	h := &Handler{Directory: dir, Desk: d, MediaURL: mediaURL, Log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /me", h.auth(h.me))
	h.mux.HandleFunc("PUT /status", h.auth(h.status))
	h.mux.HandleFunc("GET /chats", h.auth(h.chats))
	h.mux.HandleFunc("GET /chats/{id}", h.auth(h.chat))
	h.mux.HandleFunc("POST /chats/{id}/messages", h.auth(h.reply))
	h.mux.HandleFunc("POST /chats/{id}/end", h.auth(h.end))
	h.mux.HandleFunc("POST /chats/{id}/accept", h.auth(h.accept))
	h.mux.HandleFunc("POST /chats/{id}/decline", h.auth(h.decline))
	h.mux.HandleFunc("POST /chats/{id}/transfer", h.auth(h.transfer))
	h.mux.HandleFunc("GET /chats/{id}/predefined", h.auth(h.predefined))
	h.mux.HandleFunc("POST /chats/{id}/contact", h.auth(h.contact))
	h.mux.HandleFunc("POST /chats/{id}/optout", h.auth(h.optOut))
	h.mux.HandleFunc("POST /chats/{id}/optout/dismiss", h.auth(h.dismissOptOut))
	h.mux.HandleFunc("GET /events", h.auth(h.events))
	h.mux.HandleFunc("GET /monitor", h.auth(h.monitor))
	h.mux.HandleFunc("/", jsonapi.NoRoute("agent"))
	h.serve = jsonapi.StripPrefix("/agent", h.mux, jsonapi.NoRoute("agent"))
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.serve.ServeHTTP(w, r) }

type authed func(w http.ResponseWriter, r *http.Request, a routing.Agent)

func (h *Handler) auth(next authed) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := jsonapi.BearerToken(r)
		if token == "" {
			jsonapi.WriteError(w, http.StatusUnauthorized, "unauthenticated", "send the agent token as 'Authorization: Bearer <token>'")
			return
		}
		a, err := h.Directory.AgentByToken(r.Context(), token)
		if errors.Is(err, store.ErrNotFound) {
			jsonapi.WriteError(w, http.StatusUnauthorized, "unauthenticated", "unknown agent token")
			return
		}
		if errors.Is(err, staff.ErrDisabled) {
			jsonapi.WriteError(w, http.StatusUnauthorized, "unauthenticated", "agent disabled")
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
	jsonapi.Write(w, http.StatusOK, agentView(a))
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
	jsonapi.Write(w, http.StatusOK, agentView(updated))
}

func (h *Handler) chats(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	var chats []desk.Chat
	var err error
	switch q := r.URL.Query(); q.Get("scope") {
	case "":
		chats, err = h.Desk.Chats(r.Context(), a.ID)
	case "unattended":
		var before time.Time
		if v := q.Get("before"); v != "" {
			if before, err = time.Parse(time.RFC3339Nano, v); err != nil {
				jsonapi.WriteError(w, http.StatusBadRequest, "invalid", "before must be an RFC 3339 time like 2026-11-25T14:00:00Z")
				return
			}
		}
		chats, err = h.Desk.UnattendedChats(r.Context(), a, before, desk.MaxUnattended)
	default:
		jsonapi.WriteError(w, http.StatusBadRequest, "invalid", `scope must be "unattended" (chats of your lines that ended with no agent), or absent (your chats)`)
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	out := make([]agentview.Chat, 0, len(chats))
	for _, c := range chats {
		out = append(out, h.chatView(c, a))
	}
	jsonapi.Write(w, http.StatusOK, map[string]any{"chats": out})
}

func (h *Handler) chat(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	c, err := h.Desk.Chat(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.fail(w, err)
		return
	}
	jsonapi.Write(w, http.StatusOK, h.chatView(c, a))
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	var req struct {
		Body       string            `json:"body"`
		Predefined string            `json:"predefined"`
		Variables  map[string]string `json:"variables"`
		Media      []mediaJSON       `json:"media"`
	}
	if !decodeMessage(w, r, &req) {
		return
	}
	var sent desk.Replied
	var err error
	key := r.Header.Get("Idempotency-Key")
	if req.Predefined != "" {
		if req.Body != "" {
			jsonapi.WriteError(w, http.StatusBadRequest, "invalid", `send either "body" or "predefined", not both`)
			return
		}
		if len(req.Media) > 0 {
			jsonapi.WriteError(w, http.StatusBadRequest, "invalid", `a predefined message carries no "media": send them in a reply of their own`)
			return
		}
		sent, err = h.Desk.ReplyPredefined(r.Context(), a.ID, a.Name, r.PathValue("id"), req.Predefined, req.Variables, key)
	} else {
		sent, err = h.Desk.Send(r.Context(), a.ID, r.PathValue("id"), desk.Message{Body: req.Body, Files: uploads(req.Media)}, key)
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	if sent.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	jsonapi.Write(w, http.StatusCreated, entryView(sent.Entry))
}

func (h *Handler) end(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	if err := h.Desk.End(r.Context(), a.ID, r.PathValue("id")); err != nil {
		h.fail(w, err)
		return
	}
	jsonapi.Write(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "state": "ended"})
}

func (h *Handler) accept(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	h.answer(w, r, a, h.Desk.Accept)
}

func (h *Handler) decline(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	h.answer(w, r, a, h.Desk.Decline)
}

// answer answers an offer (desk.Accept or desk.Decline) and shows the chat as it then stands.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, a routing.Agent, do func(context.Context, routing.Agent, string) (desk.Chat, error)) {
	c, err := do(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.fail(w, err)
		return
	}
	jsonapi.Write(w, http.StatusOK, h.chatView(c, a))
}

func (h *Handler) transfer(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	var req struct {
		Agent string `json:"agent"`
		Queue string `json:"queue"`
		Note  string `json:"note"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	err := h.Desk.Transfer(r.Context(), a.ID, r.PathValue("id"), desk.TransferRequest{Agent: req.Agent, Queue: req.Queue, Note: req.Note})
	if err != nil {
		h.fail(w, err)
		return
	}
	jsonapi.Write(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "agent": req.Agent, "queue": req.Queue, "state": "transferred"})
}

func (h *Handler) contact(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	var req struct {
		ContactID string `json:"contactId"`
		Create    bool   `json:"create"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if err := h.Desk.ChooseContact(r.Context(), a.ID, r.PathValue("id"), req.ContactID, req.Create); err != nil {
		h.fail(w, err)
		return
	}
	jsonapi.Write(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "contactId": req.ContactID, "create": req.Create})
}

func (h *Handler) predefined(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	ps, err := h.Desk.Predefined(r.Context(), a.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, err)
		return
	}
	out := make([]map[string]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, map[string]string{"id": p.ID, "language": p.Language, "text": p.Text})
	}
	jsonapi.Write(w, http.StatusOK, map[string]any{"predefined": out})
}

func (h *Handler) events(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	var after time.Time
	if v := r.URL.Query().Get("after"); v != "" {
		var err error
		if after, err = time.Parse(time.RFC3339Nano, v); err != nil {
			jsonapi.WriteError(w, http.StatusBadRequest, "invalid", "after must be an RFC 3339 time like 2026-11-25T14:00:00Z")
			return
		}
	}
	evs, err := h.Directory.AgentEvents(r.Context(), a.ID, after, 100)
	if err != nil {
		h.fail(w, err)
		return
	}
	if evs == nil {
		evs = []store.AgentEvent{}
	}
	jsonapi.Write(w, http.StatusOK, map[string]any{"events": evs})
}

// fail maps domain errors to answers that say what to fix.
func (h *Handler) fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, desk.ErrInvalid):
		jsonapi.WriteError(w, http.StatusBadRequest, "invalid", err.Error())
	case errors.Is(err, desk.ErrNoMedia):
		jsonapi.WriteError(w, http.StatusNotImplemented, "media_unavailable", err.Error())
	case errors.Is(err, desk.ErrNotYourChat):
		jsonapi.WriteError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, desk.ErrChatEnded):
		jsonapi.WriteError(w, http.StatusConflict, "chat_ended", err.Error())
	case errors.Is(err, desk.ErrForbidden):
		jsonapi.WriteError(w, http.StatusForbidden, "forbidden", err.Error())
	case errors.Is(err, desk.ErrNoSuchChoice):
		jsonapi.WriteError(w, http.StatusConflict, "no_such_choice", err.Error())
	case errors.Is(err, desk.ErrKeyReused):
		jsonapi.WriteError(w, http.StatusUnprocessableEntity, "idempotency_key_reused", "this Idempotency-Key was used with another reply in this chat; use a new key for a new reply")
	case errors.Is(err, desk.ErrOfferExpired):
		jsonapi.WriteError(w, http.StatusConflict, "offer_expired", err.Error())
	case errors.Is(err, desk.ErrNotOffered):
		jsonapi.WriteError(w, http.StatusConflict, "not_offered", err.Error())
	case errors.Is(err, desk.ErrTransferFailed):
		jsonapi.WriteError(w, http.StatusConflict, "transfer_failed", err.Error())
	default:
		h.Log.Error("agent API failure", "err", err)
		jsonapi.WriteError(w, http.StatusInternalServerError, "internal", "internal error; try again")
	}
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	return jsonapi.Decode(w, r, 64<<10, v)
}
