package agent

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/smsdesk/smsdesk/functions/internal/jsonapi"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/reporting"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/routing"
)

// Reporting builds reports and agents' own statistics (reporting.Service).
type Reporting interface {
	Report(ctx context.Context, viewer routing.Agent, kind string, p reports.Period) (reporting.Report, error)
	EachChat(ctx context.Context, viewer routing.Agent, p reports.Period, fn func(reports.ChatRow) error) error
	WriteCSV(ctx context.Context, viewer routing.Agent, kind string, p reports.Period, w io.Writer) error
	Stats(ctx context.Context, viewer routing.Agent) (reporting.Stats, error)
}

// WithReports serves GET /reports/{queues|agents|teams|types|chats}?from=&to=&timeZone=&grain=
// (JSON, or CSV with format=csv or Accept: text/csv) to supervisors and admins, and GET
// /stats to every agent.
func (h *Handler) WithReports(r Reporting) *Handler {
	h.Reports = r
	h.mux.HandleFunc("GET /reports/{kind}", h.auth(h.report))
	h.mux.HandleFunc("GET /stats", h.auth(h.stats))
	return h
}

var reportParams = []string{"from", "to", "timeZone", "grain", "format"}

func (h *Handler) report(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	kind := r.PathValue("kind")
	switch kind {
	case reporting.Queues, reporting.Agents, reporting.Teams, reporting.Types, reporting.Chats:
	default:
		jsonapi.WriteError(w, http.StatusNotFound, "not_found", "no report "+ids.Short(kind)+"; use queues, agents, teams, types or chats")
		return
	}
	q, ok := queryParams(w, r, reportParams, "from, to, timeZone, grain or format")
	if !ok {
		return
	}
	csv := q["format"] == "csv" || (q["format"] == "" && strings.Contains(r.Header.Get("Accept"), "text/csv"))
	if f := q["format"]; f != "" && f != "csv" && f != "json" {
		writeParamError(w, "format", "format must be json or csv")
		return
	}
	p, err := reports.ParsePeriod(q["from"], q["to"], q["timeZone"], q["grain"])
	if err != nil {
		writeParamError(w, reports.PeriodParam(err), err.Error())
		return
	}
	if !reporting.MayRead(a) {
		h.failReport(w, reporting.ErrForbidden)
		return
	}
	if csv {
		// Streamed: the rows go out as they are read, so a long export holds one page of chats.
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+kind+`.csv"`)
		if err := h.Reports.WriteCSV(r.Context(), a, kind, p, w); err != nil {
			h.Log.Error("CSV report failed", "report", kind, "agent", a.ID, "err", err)
		}
		return
	}
	if kind == reporting.Chats {
		h.chatsJSON(w, r, a, p)
		return
	}
	rep, err := h.Reports.Report(r.Context(), a, kind, p)
	if err != nil {
		h.failReport(w, err)
		return
	}
	jsonapi.Write(w, http.StatusOK, rep)
}

// chatsJSON streams the chats report as {"report", "period", "rows": [...]}.
func (h *Handler) chatsJSON(w http.ResponseWriter, r *http.Request, a routing.Agent, p reports.Period) {
	w.Header().Set("Content-Type", "application/json")
	head, _ := json.Marshal(map[string]any{"report": reporting.Chats, "period": reporting.JSONPeriod(p)})
	io.WriteString(w, string(head[:len(head)-1])+`,"rows":[`)
	enc := json.NewEncoder(w)
	n := 0
	err := h.Reports.EachChat(r.Context(), a, p, func(row reports.ChatRow) error {
		if n > 0 {
			io.WriteString(w, ",")
		}
		n++
		return enc.Encode(row)
	})
	if err != nil {
		// The answer has begun: end it as invalid JSON rather than pass for a complete one.
		h.Log.Error("chats report failed", "agent", a.ID, "err", err)
		io.WriteString(w, "\n")
		return
	}
	io.WriteString(w, "]}\n")
}

func (h *Handler) stats(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	if h.Reports == nil {
		jsonapi.WriteError(w, http.StatusNotFound, "not_found", "statistics are not served here")
		return
	}
	st, err := h.Reports.Stats(r.Context(), a)
	if err != nil {
		h.failReport(w, err)
		return
	}
	jsonapi.Write(w, http.StatusOK, st)
}

func (h *Handler) failReport(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, reporting.ErrForbidden):
		jsonapi.WriteError(w, http.StatusForbidden, "forbidden", err.Error())
	case errors.Is(err, reporting.ErrUnknownReport):
		jsonapi.WriteError(w, http.StatusNotFound, "not_found", err.Error())
	default:
		h.fail(w, err)
	}
}
