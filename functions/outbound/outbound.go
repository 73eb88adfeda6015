// Package outbound is the outbound SMS API: the business's systems (with an API key) and
// agents (with their token) text consumers first. JSON over HTTP; an Idempotency-Key header
// makes a retried request send once.
//
//	POST /messages   a one-way text: {"from","to","body"} or {"template","language","variables"},
//	                 optional "sendAt" (RFC 3339) and "consent": {"source": "..."}
//	POST /sessions   a chat the business opens: {"from","to","body","agent"|"queue"}
//	POST /bulk       up to 5,000 recipients: {"from","body"|"template","recipients":[{"to","variables"}]}
//	GET  /bulk/{id}  the bulk job with each recipient's result
package outbound

import (
	"github.com/smsdesk/smsdesk/functions/internal/jsonapi"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/outbound"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Callers authenticates callers and remembers idempotent answers.
type Callers interface {
	AgentByToken(ctx context.Context, token string) (routing.Agent, error)
	APIKeyName(ctx context.Context, key string) (string, error)
	outbound.Remembrance
}

// Handler serves the outbound API.
type Handler struct {
	callers Callers
	texts   *outbound.Service
	bulk    *outbound.Bulk
	log     *slog.Logger
	mux     *http.ServeMux
}

// New builds the routes; paths may carry the function's name as a prefix.
func New(c Callers, texts *outbound.Service, bulk *outbound.Bulk, log *slog.Logger) *Handler {
	h := &Handler{callers: c, texts: texts, bulk: bulk, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("POST /messages", h.serve("messages", texts.Notify))
	h.mux.HandleFunc("POST /sessions", h.serve("sessions", texts.Open))
	h.mux.HandleFunc("POST /bulk", h.acceptBulk)
	h.mux.HandleFunc("GET /bulk/{id}", h.getBulk)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		jsonapi.WriteError(w, http.StatusNotFound, "not_found", "no route "+r.Method+" "+r.URL.Path+"; use POST /messages, POST /sessions, POST /bulk or GET /bulk/{id}")
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/outbound")
	h.mux.ServeHTTP(w, r2)
}

type request struct {
	From      string            `json:"from"`
	To        string            `json:"to"`
	Body      string            `json:"body"`
	Template  string            `json:"template"`
	Language  string            `json:"language"`
	Variables map[string]string `json:"variables"`
	SendAt    *time.Time        `json:"sendAt"`
	TimeZone  string            `json:"timeZone"`
	Agent     string            `json:"agent"`
	Queue     string            `json:"queue"`
	Consent   *struct {
		Source string `json:"source"`
	} `json:"consent"`
}

func (h *Handler) serve(route string, send func(context.Context, outbound.Request) (outbound.Sent, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		caller, ok := h.authenticate(w, r)
		if !ok {
			return
		}
		raw, ok := readJSON(w, r, 64<<10)
		if !ok {
			return
		}
		var req request
		if !decode(w, raw, &req) {
			return
		}
		h.once(w, r, caller, route, raw, func(id, _ string) outbound.Answer {
			out := outbound.Request{ID: id, From: req.From, To: req.To, Body: req.Body, Template: req.Template, Language: req.Language,
				Vars: req.Variables, Agent: req.Agent, Queue: req.Queue, TimeZone: req.TimeZone}
			if req.SendAt != nil {
				out.SendAt = *req.SendAt
			}
			if req.Consent != nil {
				out.Consent = &session.Consent{Source: req.Consent.Source + " (via " + caller + ")", At: time.Now()}
			}
			sent, err := send(r.Context(), out)
			if err != nil {
				return h.failure(caller, err)
			}
			b, _ := json.Marshal(sent)
			return outbound.Answer{Status: http.StatusAccepted, Body: b}
		})
	}
}

// once answers the request with do, at most once per Idempotency-Key.
func (h *Handler) once(w http.ResponseWriter, r *http.Request, caller, route string, raw []byte, do func(id, fingerprint string) outbound.Answer) {
	a, err := h.texts.Once(r.Context(), h.callers, caller, route, r.Header.Get("Idempotency-Key"), raw, do)
	if err != nil {
		a = h.failure(caller, err)
	}
	if a.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	jsonapi.WriteRaw(w, a.Status, a.Body)
}

type bulkRequest struct {
	From       string               `json:"from"`
	Body       string               `json:"body"`
	Template   string               `json:"template"`
	Language   string               `json:"language"`
	SendAt     *time.Time           `json:"sendAt"`
	Recipients []outbound.Recipient `json:"recipients"`
	Consent    *struct {
		Source string `json:"source"`
	} `json:"consent"`
}

func (h *Handler) acceptBulk(w http.ResponseWriter, r *http.Request) {
	caller, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	raw, ok := readJSON(w, r, 2<<20)
	if !ok {
		return
	}
	var req bulkRequest
	if !decode(w, raw, &req) {
		return
	}
	// The job id follows the Idempotency-Key, so a retried request queues nothing new.
	h.once(w, r, caller, "bulk", raw, func(id, fp string) outbound.Answer {
		batch := outbound.BulkBatch{JobID: "B" + id, From: req.From, Body: req.Body, Template: req.Template, Language: req.Language, Recipients: req.Recipients}
		if req.SendAt != nil {
			batch.SendAt = *req.SendAt
		}
		if req.Consent != nil {
			batch.ConsentSource = req.Consent.Source + " (via " + caller + ")"
		}
		job, err := h.bulk.Accept(r.Context(), caller, fp, batch)
		if err != nil {
			return h.failure(caller, err)
		}
		b, _ := json.Marshal(map[string]any{"jobId": job.ID, "total": job.Total})
		return outbound.Answer{Status: http.StatusAccepted, Body: b}
	})
}

func (h *Handler) getBulk(w http.ResponseWriter, r *http.Request) {
	caller, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	job, results, err := h.bulk.Job(r.Context(), caller, r.PathValue("id"))
	if err != nil {
		a := h.failure(caller, err)
		jsonapi.WriteRaw(w, a.Status, a.Body)
		return
	}
	counts := map[string]int{}
	for _, res := range results {
		counts[res.Status]++
	}
	if results == nil {
		results = []store.BulkResult{}
	}
	jsonapi.Write(w, http.StatusOK, map[string]any{"job": job, "processed": len(results), "counts": counts, "results": results})
}

// failure is the answer to a refused or failed request. A failure of ours is marked for a
// retry: it is not remembered under the request's Idempotency-Key.
func (h *Handler) failure(caller string, err error) outbound.Answer {
	var e *outbound.Error
	if errors.As(err, &e) {
		return outbound.Answer{Status: statusOf(e.Kind), Body: errorBody(e.Code, e.Message, e.NextAllowedAt)}
	}
	h.log.Error("outbound failed", "caller", caller, "err", err)
	return outbound.Answer{Status: http.StatusInternalServerError, Body: errorBody("internal", "internal error; retry with the same Idempotency-Key", time.Time{}), Retry: true}
}

// statusOf is the HTTP status of a kind of refusal.
func statusOf(k outbound.Kind) int {
	switch k {
	case outbound.Invalid:
		return http.StatusBadRequest
	case outbound.Unknown, outbound.NotAllowedNow, outbound.KeyReused:
		return http.StatusUnprocessableEntity
	case outbound.ConsumerState, outbound.InProgress:
		return http.StatusConflict
	case outbound.NotFound:
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	token := jsonapi.BearerToken(r)
	if token == "" {
		jsonapi.WriteError(w, http.StatusUnauthorized, "unauthenticated", "send an API key or agent token as 'Authorization: Bearer <token>'")
		return "", false
	}
	if id, err := h.callers.APIKeyName(r.Context(), token); err == nil {
		return "key:" + id, true
	} else if !errors.Is(err, store.ErrNotFound) {
		h.internal(w, err)
		return "", false
	}
	a, err := h.callers.AgentByToken(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		jsonapi.WriteError(w, http.StatusUnauthorized, "unauthenticated", "unknown API key or token")
		return "", false
	}
	if errors.Is(err, agent.ErrDisabled) {
		jsonapi.WriteError(w, http.StatusUnauthorized, "unauthenticated", "agent disabled")
		return "", false
	}
	if err != nil {
		h.internal(w, err)
		return "", false
	}
	return "agent:" + a.ID, true
}

// readJSON reads a request body of at most limit bytes, or answers why it cannot.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		jsonapi.WriteError(w, http.StatusBadRequest, "invalid_json", fmt.Sprintf("request body unreadable or over %d bytes: %v", limit, err))
		return nil, false
	}
	return raw, true
}

// decode reads raw into v, refusing unknown fields, or answers why it cannot.
func decode(w http.ResponseWriter, raw []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		jsonapi.WriteError(w, http.StatusBadRequest, "invalid_json", "request body must be a JSON object: "+err.Error())
		return false
	}
	return true
}

func (h *Handler) internal(w http.ResponseWriter, err error) {
	h.log.Error("outbound API failure", "err", err)
	jsonapi.WriteError(w, http.StatusInternalServerError, "internal", "internal error; try again")
}
func errorBody(code, msg string, next time.Time) []byte {
	if next.IsZero() {
		return jsonapi.ErrorBody(code, msg, nil)
	}
	return jsonapi.ErrorBody(code, msg, map[string]any{"nextAllowedAt": next})
}
