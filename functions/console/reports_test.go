package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/functions/console"
	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reporting"
	"github.com/smsdesk/smsdesk/shared/reports"
)

// fakeReports answers one queue with fixed figures, and records the period asked for.
type fakeReports struct{ asked []reports.Period }

func (f *fakeReports) Reports(ctx context.Context, viewer agent.Agent, p reports.Period, kinds ...string) ([]reporting.Report, error) {
	var out []reporting.Report
	for _, k := range kinds {
		r, err := f.report(ctx, viewer, k, p)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (f *fakeReports) report(_ context.Context, viewer agent.Agent, kind string, p reports.Period) (reporting.Report, error) {
	f.asked = append(f.asked, p)
	if !reporting.MayRead(viewer) {
		return reporting.Report{}, reporting.ErrForbidden
	}
	rep := reporting.Report{Report: kind, Period: reporting.JSONPeriod(p), Names: map[string]string{"t": "Team T"}}
	half := 0.5
	switch kind {
	case reporting.Queues:
		var buckets []reports.QueueFigures
		for _, b := range p.Buckets() {
			st := b.Start.In(p.Loc)
			buckets = append(buckets, reports.QueueFigures{Start: &st, Offered: 1})
		}
		rep.Rows = []reports.Row[reports.QueueFigures]{{ID: "q", Name: "Help", Buckets: buckets,
			Total: reports.QueueFigures{Offered: 7, Handled: 3, Abandoned: 3, AbandonRate: &half, ServiceLevel: &half}}}
	case reporting.Agents:
		rep.Rows = []reports.Row[reports.AgentFigures]{{ID: "ana", Name: "Ana", Total: reports.AgentFigures{Answered: 3}}}
	case reporting.Teams:
		rep.Rows = []reports.TeamRow{{ID: "t", Members: []string{"ana", "al"}, Total: reports.TeamTotals{AnsweredPerMember: &half}}}
	case reporting.Types:
		rep.Total = &reports.TypesRow{Total: reports.TypeFigures{Chats: 7}}
	}
	return rep, nil
}

func (f *fakeReports) WriteCSV(_ context.Context, _ agent.Agent, kind string, p reports.Period, w io.Writer) error {
	_, err := fmt.Fprintf(w, "%s report,from,%s,time zone,%s\n", kind, p.From.In(p.Loc).Format(time.RFC3339), p.Loc)
	return err
}

func (f *fakeReports) Stats(_ context.Context, viewer agent.Agent) (reporting.Stats, error) {
	d := 90.0
	return reporting.Stats{Agent: viewer.ID, TimeZone: "UTC", Today: reporting.Span{Mine: reporting.Figures{Answered: 2, AvgDuration: &d}}}, nil
}

func fetchPage(t *testing.T, h http.Handler, path string) (*http.Response, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func reportsHandler(a agent.Agent, r console.Reports) *console.Handler {
	return console.New(console.Options{Auth: signedOut{agent: &a}, Reports: r, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// TestReportsPageShowsTheFiguresAndRefusesAgents: a supervisor's page has the queue's figures,
// the charts' data as JSON and the CSV links with the period; a bad time zone and an unknown
// queue are named beside the form; an agent gets 403 and no Reports link, but their stats.
func TestReportsPageShowsTheFiguresAndRefusesAgents(t *testing.T) {
	fr := &fakeReports{}
	sue := reportsHandler(agent.Agent{ID: "sue", Role: config.RoleSupervisor, ServesLines: []string{"l"}}, fr)
	resp, body := fetchPage(t, sue, "/console/reports?from=2026-03-01&to=2026-03-03&timeZone=America/Chicago&grain=day")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("supervisor's reports page = %d: %s", resp.StatusCode, body)
	}
	for _, want := range []string{`data-f="offered">7<`, `data-f="abandonRate">50%<`, `Team T`, `data-f="perMember">0.5<`, `data-f="chats">7<`,
		`href="/console/reports/chats.csv?from=2026-03-01&amp;grain=day&amp;timeZone=America%2FChicago&amp;to=2026-03-03"`, `static/charts.js`, `>Reports</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("reports page lacks %s", want)
		}
	}
	if p := fr.asked[0]; p.Loc.String() != "America/Chicago" || p.From.Format(time.RFC3339) != "2026-03-01T00:00:00-06:00" || p.Grain != reports.Day {
		t.Errorf("period asked %+v: want 1–3 March in Chicago by day", p)
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`).FindStringSubmatch(body)
	var chart struct {
		TimeZone string
		Starts   []int64
		Queues   []struct {
			Name    string
			Offered []int64
		}
	}
	if m == nil || json.Unmarshal([]byte(m[1]), &chart) != nil || chart.TimeZone != "America/Chicago" || len(chart.Starts) != 3 ||
		len(chart.Queues) != 1 || len(chart.Queues[0].Offered) != 3 {
		t.Errorf("chart data %q: want 3 buckets of queue Help in Chicago", m)
	}

	resp, body = fetchPage(t, sue, "/console/reports?from=2026-03-01&to=2026-03-03&timeZone=Mars/Olympus")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="r-tz" name="timeZone" value="Mars/Olympus"`) ||
		!regexp.MustCompile(`id="r-tz"[^>]*aria-invalid="true"`).MatchString(body) || !strings.Contains(body, "is not an IANA time zone") {
		t.Errorf("a bad time zone = %d, want 400 with the field marked and the reason", resp.StatusCode)
	}
	resp, body = fetchPage(t, sue, "/console/reports?from=2026-03-01&to=2026-03-03&queue=nope")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `No queue &#34;nope&#34; on your lines of business. Showing every queue.`) {
		t.Errorf("an unknown queue = %d, want 400 saying so: %s", resp.StatusCode, body)
	}
	resp, body = fetchPage(t, sue, "/console/reports/queues.csv?from=2026-03-01&to=2026-03-03&timeZone=UTC")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || body != "queues report,from,2026-03-01T00:00:00Z,time zone,UTC\n" {
		t.Errorf("queues CSV = %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp, _ = fetchPage(t, sue, "/console/reports/secrets.csv?from=2026-03-01&to=2026-03-03"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown report's CSV = %d, want 404", resp.StatusCode)
	}

	ana := reportsHandler(agent.Agent{ID: "ana"}, fr)
	for _, path := range []string{"/console/reports", "/console/reports/chats.csv?from=2026-03-01&to=2026-03-03"} {
		if resp, body := fetchPage(t, ana, path); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Only supervisors and admins read reports.") {
			t.Errorf("an agent's %s = %d, want 403 saying who reads reports", path, resp.StatusCode)
		}
	}
	resp, body = fetchPage(t, ana, "/console/stats")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-f="mine">2<`) || !strings.Contains(body, `data-f="mineDuration">1 min 30 s<`) || strings.Contains(body, ">Reports</a>") {
		t.Errorf("an agent's stats page = %d: want 2 answered, 1 min 30 s, and no Reports link:\n%s", resp.StatusCode, body)
	}
}
