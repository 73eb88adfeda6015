package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/reporting"
	"github.com/smsdesk/smsdesk/shared/reports"
)

// Reports builds reports and agents' own statistics (reporting.Service, as the agent API
// uses it): the console shows and exports the same figures.
type Reports interface {
	Reports(ctx context.Context, viewer agent.Agent, p reports.Period, kinds ...string) ([]reporting.Report, error)
	WriteCSV(ctx context.Context, viewer agent.Agent, kind string, p reports.Period, w io.Writer) error
	Stats(ctx context.Context, viewer agent.Agent) (reporting.Stats, error)
}

// reportsPage is the reports page's data beside the frame's.
type reportsPage struct {
	Form periodForm
	// Error says what to fix in the form; ErrorParam names the field.
	Error, ErrorParam string
	Period            reporting.PeriodJSON
	// Choices are every queue the viewer reads, for the filter, whatever it selects.
	Choices []choice
	Queues  []reports.Row[reports.QueueFigures]
	Agents  []reports.Row[reports.AgentFigures]
	Teams   []reports.TeamRow
	Types   []typeLine
	// Sent is every text the carrier took (in chats, one-way, bulk), Blocked the drops.
	Sent    []sentLine
	Blocked reports.BlockedFigures
	Names   map[string]string
	Chart   chartData
	CSV     []csvLink
	Grains  []string
}

// periodForm is the period as the form shows it: local dates, the zone, the grain, the queue.
type periodForm struct {
	From, To, TimeZone, Grain, Queue string
}

type choice struct{ ID, Name string }

// sentLine is one row of the texts the carrier took.
type sentLine struct {
	Name string
	reports.TextFigures
}

type typeLine struct {
	Name string
	reports.TypeFigures
}

type csvLink struct{ Name, URL string }

// chartData is what static/charts.js draws: bucket starts in Unix seconds and each queue's
// figures per bucket (service level null where nothing was offered).
type chartData struct {
	TimeZone string       `json:"timeZone"`
	Grain    string       `json:"grain"`
	Starts   []int64      `json:"starts"`
	Queues   []chartQueue `json:"queues"`
}

type chartQueue struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Offered      []int64    `json:"offered"`
	Handled      []int64    `json:"handled"`
	Abandoned    []int64    `json:"abandoned"`
	ServiceLevel []*float64 `json:"serviceLevel"`
}

var grains = []string{string(reports.Hour), string(reports.Day), string(reports.Week), string(reports.Month)}

// reportKinds are the reports the page links to as CSV, in its order.
var reportKinds = []string{reporting.Queues, reporting.Agents, reporting.Teams, reporting.Types, reporting.Chats}

// readPeriod reads the form: from and to default to the last 7 days in the zone (UTC until
// the page's script sets the browser's), grain to day.
func readPeriod(q url.Values) (periodForm, reports.Period, error) {
	f := periodForm{From: q.Get("from"), To: q.Get("to"), TimeZone: q.Get("timeZone"), Grain: q.Get("grain"), Queue: q.Get("queue")}
	if f.TimeZone == "" {
		f.TimeZone = "UTC"
	}
	if f.Grain == "" {
		f.Grain = string(reports.Day)
	}
	if f.From == "" && f.To == "" {
		loc, err := time.LoadLocation(f.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		today := time.Now().In(loc)
		f.From, f.To = today.AddDate(0, 0, -6).Format(time.DateOnly), today.Format(time.DateOnly)
	}
	p, err := reports.ParsePeriod(f.From, f.To, f.TimeZone, f.Grain)
	if err == nil {
		// Date fields show dates: a time given in the address shows as its local day.
		if _, derr := time.Parse(time.DateOnly, f.From); derr != nil {
			f.From = p.From.In(p.Loc).Format(time.DateOnly)
		}
		if _, derr := time.Parse(time.DateOnly, f.To); derr != nil {
			f.To = p.To.Add(-time.Nanosecond).In(p.Loc).Format(time.DateOnly)
		}
	}
	return f, p, err
}

// query is the period as a query string, for the CSV links.
func (f periodForm) query() string {
	return url.Values{"from": {f.From}, "to": {f.To}, "timeZone": {f.TimeZone}, "grain": {f.Grain}}.Encode()
}

// reportsPage answers GET /reports: the period form, the queues, agents, teams and types
// reports, the charts and the CSV links, for supervisors and admins.
func (h *Handler) reportsPage(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	if h.o.Reports == nil {
		h.errorPage(w, r, http.StatusNotFound, "Reports are not served in this deployment.")
		return
	}
	if !reporting.MayRead(a) {
		h.errorPage(w, r, http.StatusForbidden, "Only supervisors and admins read reports.")
		return
	}
	d := h.navPage(r, a, s, "reports")
	d.Title = "Reports"
	rp := &reportsPage{Grains: grains, Names: map[string]string{}}
	d.Reports = rp
	status := http.StatusOK
	form, p, err := readPeriod(r.URL.Query())
	rp.Form = form
	if err != nil {
		rp.Error, rp.ErrorParam = sentence(errors.New(strings.TrimPrefix(err.Error(), reports.ErrPeriod.Error()+": "))), reports.PeriodParam(err)
		h.render(w, http.StatusBadRequest, "reports", d)
		return
	}
	rp.Period = reporting.JSONPeriod(p)
	// One call: the agents and teams reports share their rollups.
	reps, err := h.o.Reports.Reports(r.Context(), a, p, reporting.Queues, reporting.Agents, reporting.Teams, reporting.Types)
	if err != nil {
		h.failReports(w, r, a, err)
		return
	}
	queues := reps[0]
	for _, q := range queues.Rows.([]reports.Row[reports.QueueFigures]) {
		rp.Choices = append(rp.Choices, choice{ID: q.ID, Name: q.Name})
	}
	if only, err := reporting.OnlyQueue(queues, form.Queue); errors.Is(err, reporting.ErrNoSuchQueue) {
		rp.Error, rp.ErrorParam, status = sentence(errors.New(strings.TrimPrefix(err.Error(), reporting.ErrNoSuchQueue.Error()+": ")))+" Showing every queue.", "queue", http.StatusBadRequest
	} else if err != nil {
		h.failReports(w, r, a, err)
		return
	} else {
		queues = only
	}
	rp.Queues = queues.Rows.([]reports.Row[reports.QueueFigures])
	rp.Chart = chartOf(p, rp.Queues)
	rp.Agents = reps[1].Rows.([]reports.Row[reports.AgentFigures])
	rp.Teams = reps[2].Rows.([]reports.TeamRow)
	rp.Names = reps[2].Names
	t := reps[3].Total
	rp.Types = []typeLine{{"All SMS chats", t.Total}, {"Inbound (sms)", t.Inbound}, {"Outbound (outbound_sms)", t.Outbound}}
	rp.Sent = []sentLine{{"In chats", reports.TextFigures{Texts: t.Total.SentMessages, Segments: t.Total.SentSegments}},
		{"One-way", t.OneWay}, {"Bulk", t.Bulk}, {"All sent", t.AllSent}}
	rp.Blocked = t.Blocked
	for _, kind := range reportKinds {
		rp.CSV = append(rp.CSV, csvLink{Name: kind, URL: baseOf(r) + "/reports/" + kind + ".csv?" + form.query()})
	}
	h.render(w, status, "reports", d)
}

// chartOf is the queues' figures per bucket, as the charts draw them.
func chartOf(p reports.Period, rows []reports.Row[reports.QueueFigures]) chartData {
	c := chartData{TimeZone: p.Loc.String(), Grain: string(p.Grain), Starts: []int64{}, Queues: []chartQueue{}}
	for _, b := range p.Buckets() {
		c.Starts = append(c.Starts, b.Start.Unix())
	}
	for _, r := range rows {
		q := chartQueue{ID: r.ID, Name: r.Name}
		if q.Name == "" {
			q.Name = r.ID
		}
		for _, b := range r.Buckets {
			q.Offered, q.Handled, q.Abandoned = append(q.Offered, b.Offered), append(q.Handled, b.Handled), append(q.Abandoned, b.Abandoned)
			q.ServiceLevel = append(q.ServiceLevel, b.ServiceLevel)
		}
		c.Queues = append(c.Queues, q)
	}
	return c
}

// reportCSV answers GET /reports/{kind}.csv: the report as the agent API exports it,
// streamed as it is read.
func (h *Handler) reportCSV(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	kind, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
	if !ok || !slices.Contains(reportKinds, kind) {
		h.errorPage(w, r, http.StatusNotFound, "There is no such report; the reports are queues, agents, teams, types and chats.")
		return
	}
	if h.o.Reports == nil {
		h.errorPage(w, r, http.StatusNotFound, "Reports are not served in this deployment.")
		return
	}
	if !reporting.MayRead(a) {
		h.errorPage(w, r, http.StatusForbidden, "Only supervisors and admins read reports.")
		return
	}
	_, p, err := readPeriod(r.URL.Query())
	if err != nil {
		h.errorPage(w, r, http.StatusBadRequest, sentence(errors.New(strings.TrimPrefix(err.Error(), reports.ErrPeriod.Error()+": "))))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+kind+`.csv"`)
	if err := h.o.Reports.WriteCSV(r.Context(), a, kind, p, w); err != nil {
		// The rows have begun: the download ends short rather than pass for complete.
		h.o.Log.Error("console CSV report failed", "report", kind, "agent", a.ID, "err", err)
	}
}

// statsPage answers GET /stats: the agent's own figures today and this week beside their
// team's average, for every role.
func (h *Handler) statsPage(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	if h.o.Reports == nil {
		h.errorPage(w, r, http.StatusNotFound, "Statistics are not served in this deployment.")
		return
	}
	st, err := h.o.Reports.Stats(r.Context(), a)
	if err != nil {
		h.failReports(w, r, a, err)
		return
	}
	d := h.navPage(r, a, s, "stats")
	d.Title, d.Stats = "My stats", &st
	h.render(w, http.StatusOK, "stats", d)
}

func (h *Handler) failReports(w http.ResponseWriter, r *http.Request, a agent.Agent, err error) {
	if errors.Is(err, reporting.ErrForbidden) {
		h.errorPage(w, r, http.StatusForbidden, "Only supervisors and admins read reports.")
		return
	}
	h.fail(w, r, a, err)
}

// spanRow is one line of the stats page.
type spanRow struct {
	Key, Label string
	Span       reporting.Span
}

// reportFuncs format the reports' figures: a missing ratio or average (nothing to divide)
// shows as "–", never as 0.
var reportFuncs = template.FuncMap{
	"pct": func(x *float64) string {
		if x == nil {
			return "–"
		}
		return trimZero(fmt.Sprintf("%.1f", *x*100)) + "%"
	},
	"avgsecs": func(x *float64) string {
		if x == nil {
			return "–"
		}
		return durationOf(int64(math.Round(*x)))
	},
	"decimal": func(x *float64) string {
		if x == nil {
			return "–"
		}
		return trimZero(fmt.Sprintf("%.1f", *x))
	},
	"decimalOf": func(x float64) string { return trimZero(fmt.Sprintf("%.1f", x)) },
	"local":     func(t any) string { return localTime(t).Format(localLayout(localTime(t))) },
	"at":        func(t any) string { return localTime(t).Format("Mon 2 Jan 2006 15:04") },
	// stamp is a time (or a bucket's *time.Time start) for a datetime attribute.
	"stamp": func(t any) string { return localTime(t).UTC().Format(time.RFC3339) },
	"busy": func(f reports.QueueFigures) bool {
		return f.Offered+f.Handled+f.Abandoned+f.Overflowed+f.AfterHours > 0
	},
	"spans": func(s *reporting.Stats) []spanRow {
		return []spanRow{{"today", "Today", s.Today}, {"week", "This week", s.Week}}
	},
}

// localTime is a time or a bucket's start (*time.Time), in its own zone (the report's).
func localTime(v any) time.Time {
	switch x := v.(type) {
	case time.Time:
		return x
	case *time.Time:
		if x != nil {
			return *x
		}
	}
	return time.Time{}
}

// localLayout writes a midnight as a day, any other time with its hour.
func localLayout(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 {
		return "Mon 2 Jan 2006"
	}
	return "Mon 2 Jan 2006 15:04"
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }
