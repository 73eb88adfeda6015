package console_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/functions/console"
	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/monitor"
)

// fakeMonitor refuses agents, knows one queue ("q-orders") and records the filters asked.
type fakeMonitor struct{ asked []monitor.Filter }

func (m *fakeMonitor) View(_ context.Context, viewer agent.Agent, f monitor.Filter) (monitor.View, error) {
	m.asked = append(m.asked, f)
	if viewer.Role == "" {
		return monitor.View{}, fmt.Errorf("%w: only supervisors and admins see monitoring", desk.ErrForbidden)
	}
	if f.Queue != "" && f.Queue != "q-orders" {
		return monitor.View{}, &monitor.FilterError{Param: "queue", Reason: fmt.Sprintf("no queue %q on your lines of business", f.Queue)}
	}
	return monitor.View{At: time.Date(2026, 3, 2, 15, 4, 0, 0, time.UTC), Filter: f, TimeZone: "UTC",
		Queues: []monitor.QueueRow{{ID: "q-orders", Name: "Orders"}}}, nil
}

func monitorHandler(role string, m console.Monitor) *console.Handler {
	a := &agent.Agent{ID: "dora", Name: "Dora", Role: role}
	return console.New(console.Options{Auth: signedOut{agent: a}, Monitor: m, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func get(t *testing.T, h http.Handler, path string, htmx bool) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestMonitorPageAndFragment: the page and its fragment read the filter and answer alike; the
// page is whole, the fragment is its body; a filter naming a queue the viewer has not got
// shows every past chat with the error beside the form (400 for the page; 200 for the
// fragment, the live re-read of a page already showing it); an agent is refused both; a
// deployment without monitoring serves neither.
func TestMonitorPageAndFragment(t *testing.T) {
	m := &fakeMonitor{}
	h := monitorHandler(config.RoleSupervisor, m)

	code, body := get(t, h, "/console/monitor?queue=q-orders&startType=inbound", false)
	if code != http.StatusOK || !strings.Contains(body, "<html") || !strings.Contains(body, `id="monitor"`) || strings.Contains(body, "filter-error") {
		t.Errorf("page = %d %s", code, body)
	}
	if !strings.Contains(body, `/console/fragments/monitor?queue=q-orders&amp;startType=inbound`) {
		t.Errorf("the page's live re-read loses the filter: %s", body)
	}
	code, frag := get(t, h, "/console/fragments/monitor?queue=q-orders&startType=inbound", true)
	if code != http.StatusOK || strings.Contains(frag, "<html") || !strings.HasPrefix(strings.TrimSpace(frag), `<div id="monitor"`) {
		t.Errorf("fragment = %d %s", code, frag)
	}
	want := monitor.Filter{Queue: "q-orders", StartType: "inbound"}
	if len(m.asked) != 2 || m.asked[0] != want || m.asked[1] != want {
		t.Errorf("filters asked = %+v, want %+v twice", m.asked, want)
	}

	m.asked = nil
	code, body = get(t, h, "/console/monitor?queue=elsewhere", false)
	if code != http.StatusBadRequest || !strings.Contains(body, `id="filter-error"`) || !strings.Contains(body, "No queue &#34;elsewhere&#34; on your lines of business. Showing every past chat.") {
		t.Errorf("page with a bad filter = %d %s", code, body)
	}
	if !strings.Contains(body, `<option value="elsewhere" selected>`) {
		t.Errorf("the form lost the queue typed: %s", body)
	}
	code, frag = get(t, h, "/console/fragments/monitor?queue=elsewhere", true)
	if code != http.StatusOK || !strings.Contains(frag, `id="filter-error"`) {
		t.Errorf("fragment with a bad filter = %d %s", code, frag)
	}
	if len(m.asked) != 4 || m.asked[1] != (monitor.Filter{}) || m.asked[3] != (monitor.Filter{}) {
		t.Errorf("filters asked = %+v, want each bad one followed by none", m.asked)
	}

	agentH := monitorHandler("", m)
	for _, p := range []string{"/console/monitor", "/console/fragments/monitor"} {
		if code, body := get(t, agentH, p, false); code != http.StatusForbidden || !strings.Contains(body, "only supervisors and admins see monitoring.") {
			t.Errorf("agent GET %s = %d %s", p, code, body)
		}
		if code, body := get(t, monitorHandler(config.RoleAdmin, nil), p, false); code != http.StatusNotFound || !strings.Contains(body, "not served in this deployment") {
			t.Errorf("GET %s without monitoring = %d %s", p, code, body)
		}
	}
}
