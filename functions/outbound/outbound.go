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
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/outbound"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Callers authenticates callers and remembers idempotent answers.
type Callers interface {
	AgentByToken(ctx context.Context, token string) (routing.Agent, error)
	APIKeyName(ctx context.Context, key string) (string, error)
	BeginIdempotent(ctx context.Context, caller, key, requestHash string) (*store.Remembered, error)
	FinishIdempotent(ctx context.Context, caller, key string, status int, body []byte) error
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
	h.mux.HandleFunc("POST /messages", h.serve(texts.Notify))
	h.mux.HandleFunc("POST /sessions", h.serve(texts.Open))
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

func (h *Handler) serve(send func(context.Context, outbound.Request) (outbound.Sent, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		caller, ok := h.authenticate(w, r)
		if !ok {
			return
		}
		raw, err := readBody(w, r)
		if err != nil {
			jsonapi.WriteError(w, http.StatusBadRequest, "invalid_json", err.Error())
			return
		}
		var req request
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			jsonapi.WriteError(w, http.StatusBadRequest, "invalid_json", "request body must be a JSON object: "+err.Error())
			return
		}
		key := r.Header.Get("Idempotency-Key")
		id := randomID()
		if key != "" {
			sum := sha256.Sum256(raw)
			prev, err := h.callers.BeginIdempotent(r.Context(), caller, key, hex.EncodeToString(sum[:]))
			switch {
			case errors.Is(err, store.ErrKeyReused):
				jsonapi.WriteError(w, http.StatusUnprocessableEntity, "idempotency_key_reused", err.Error()+"; use a new key for a new request")
				return
			case errors.Is(err, store.ErrInProgress):
				jsonapi.WriteError(w, http.StatusConflict, "in_progress", err.Error()+"; retry shortly")
				return
			case err != nil:
				h.internal(w, err)
				return
			case prev != nil:
				w.Header().Set("Idempotent-Replayed", "true")
				jsonapi.WriteRaw(w, prev.Status, prev.Body)
				return
			}
			idSum := sha256.Sum256([]byte(caller + "\x00" + key))
			id = hex.EncodeToString(idSum[:12])
		}
		out := outbound.Request{ID: id, From: req.From, To: req.To, Body: req.Body, Template: req.Template, Language: req.Language,
			Vars: req.Variables, Agent: req.Agent, Queue: req.Queue, TimeZone: req.TimeZone}
		if req.SendAt != nil {
			out.SendAt = *req.SendAt
		}
		if req.Consent != nil {
			out.Consent = &store.Consent{Source: req.Consent.Source + " (via " + caller + ")", At: time.Now()}
		}
		sent, err := send(r.Context(), out)
		status, body := answer(sent, err)
		if status >= 500 {
			h.log.Error("outbound failed", "caller", caller, "err", err)
		}
		if key != "" {
			if ferr := h.callers.FinishIdempotent(context.WithoutCancel(r.Context()), caller, key, status, body); ferr != nil {
				h.log.Error("idempotent answer not stored", "err", ferr)
			}
		}
		jsonapi.WriteRaw(w, status, body)
	}
}

func (h *Handler) acceptBulk(w http.ResponseWriter, r *http.Request) {
	caller, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	var req struct {
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
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 2<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		jsonapi.WriteError(w, http.StatusBadRequest, "invalid_json", "request body must be a JSON object: "+err.Error())
		return
	}
	// The job id follows the Idempotency-Key, so a retried request queues nothing new.
	id := randomID()
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		sum := sha256.Sum256([]byte(caller + "\x00bulk\x00" + key))
		id = hex.EncodeToString(sum[:12])
	}
	batch := outbound.BulkBatch{JobID: "B" + id, From: req.From, Body: req.Body, Template: req.Template, Language: req.Language, Recipients: req.Recipients}
	if req.SendAt != nil {
		batch.SendAt = *req.SendAt
	}
	if req.Consent != nil {
		batch.ConsentSource = req.Consent.Source + " (via " + caller + ")"
	}
	job, err := h.bulk.Accept(r.Context(), caller, batch)
	if err != nil {
		status, body := answer(outbound.Sent{}, err)
		jsonapi.WriteRaw(w, status, body)
		return
	}
	jsonapi.Write(w, http.StatusAccepted, map[string]any{"jobId": job.ID, "total": job.Total})
}

func (h *Handler) getBulk(w http.ResponseWriter, r *http.Request) {
	caller, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	job, results, err := h.bulk.Job(r.Context(), caller, r.PathValue("id"))
	if err != nil {
		status, body := answer(outbound.Sent{}, err)
		jsonapi.WriteRaw(w, status, body)
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

// answer is the HTTP status and JSON body for a send's result.
func answer(sent outbound.Sent, err error) (int, []byte) {
	var e *outbound.Error
	switch {
	case err == nil:
		b, _ := json.Marshal(sent)
		return http.StatusAccepted, b
	case errors.As(err, &e):
		return e.Status, errorBody(e.Code, e.Message, e.NextAllowedAt)
	}
	return http.StatusInternalServerError, errorBody("internal", "internal error; retry with the same Idempotency-Key", time.Time{})
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
	if err != nil {
		h.internal(w, err)
		return "", false
	}
	return "agent:" + a.ID, true
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, 64<<10))
	return buf.Bytes(), err
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
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
