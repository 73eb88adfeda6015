package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/agentview"
	"github.com/smsdesk/smsdesk/shared/monitor"
)

// Monitor builds live monitoring for a supervisor or an admin (shared/monitor decides what
// they see and refuses agents with desk.ErrForbidden).
type Monitor interface {
	View(ctx context.Context, viewer agent.Agent, f monitor.Filter) (monitor.View, error)
}

// monitorPage is the monitoring page's data beside the frame's.
type monitorPage struct {
	View monitor.View
	// Query is the filter as a query string, for the fragment's live re-reads.
	Query string
	// FilterError says which filter field names something the viewer has not got.
	FilterError, FilterParam string
	StartTypes               []string
}

// chatRows is one table of chats on the monitoring page.
type chatRows struct {
	Base, Label, When, Empty string
	Rows                     []monitor.ChatRow
}

// monitorFilter reads the past chats' filter from the query: queue, agent, startType.
func monitorFilter(q url.Values) monitor.Filter {
	return monitor.Filter{Queue: q.Get("queue"), Agent: q.Get("agent"), StartType: q.Get("startType")}
}

// monitorData is the view for viewer a with the request's filter; a filter naming what a has
// not got shows the view unfiltered with the error beside the form.
func (h *Handler) monitorData(r *http.Request, a agent.Agent) (*monitorPage, error) {
	f := monitorFilter(r.URL.Query())
	m := &monitorPage{StartTypes: monitor.StartTypes}
	v, err := h.o.Monitor.View(r.Context(), a, f)
	var fe *monitor.FilterError
	if errors.As(err, &fe) {
		m.FilterError, m.FilterParam = sentence(errors.New(fe.Reason)), fe.Param
		v, err = h.o.Monitor.View(r.Context(), a, monitor.Filter{})
		v.Filter = f // the form keeps what was typed
	}
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	for k, s := range map[string]string{"queue": f.Queue, "agent": f.Agent, "startType": f.StartType} {
		if s != "" {
			q.Set(k, s)
		}
	}
	m.View, m.Query = v, q.Encode()
	return m, nil
}

// monitor answers GET /monitor, the whole page, and for its live re-reads GET
// /fragments/monitor, the page's body alone (fragment): both read the filter and build the
// view through monitorData. Only the page says 400 for a bad filter; the fragment re-reads a
// page that already shows it.
func (h *Handler) monitor(fragment bool) authed {
	return func(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
		if h.o.Monitor == nil {
			h.errorPage(w, r, http.StatusNotFound, "Live monitoring is not served in this deployment.")
			return
		}
		m, err := h.monitorData(r, a)
		if err != nil {
			h.fail(w, r, a, err)
			return
		}
		if fragment {
			h.render(w, http.StatusOK, "monitorbody", page{Base: baseOf(r), CSRF: s.CSRF, Me: agentview.Self(a), Monitor: m, Fragment: true})
			return
		}
		d := h.navPage(r, a, s, "monitor")
		d.Title, d.Monitor, d.Events = "Monitoring", m, "/events?monitor=1"
		status := http.StatusOK
		if m.FilterError != "" {
			status = http.StatusBadRequest
		}
		h.render(w, status, "monitor", d)
	}
}

// duration reads seconds as a duration: "42 s", "3 min 5 s", "1 h 4 min"; "–" when absent.
func duration(p *int64) string {
	if p == nil {
		return "–"
	}
	return durationOf(*p)
}

func durationOf(s int64) string {
	d := time.Duration(s) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", s)
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), s%60)
	}
	return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
}
