package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/smsdesk/smsdesk/functions/console"
	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/metering"
	"github.com/smsdesk/smsdesk/shared/reporting"
)

// signedIn is a console sign-in that knows one agent, for timing pages without a session store.
type signedIn struct{ a agent.Agent }

func (s signedIn) SignIn(context.Context, string, string) (console.Session, error) {
	return console.Session{}, console.ErrBadCredentials
}
func (s signedIn) SignInWithToken(context.Context, string) (console.Session, error) {
	return console.Session{}, console.ErrBadCredentials
}
func (s signedIn) Authenticate(context.Context, *http.Request) (agent.Agent, console.Session, error) {
	return s.a, console.Session{ID: "bench", AgentID: s.a.ID, CSRF: "bench"}, nil
}
func (s signedIn) SignOut(context.Context, console.Session) error { return nil }

// pageTiming is one render of the console's reports page.
type pageTiming struct {
	Ms    float64         `json:"ms"`
	Bytes int             `json:"bytes"`
	Ops   metering.Counts `json:"ops"`
}

// reportsPage renders the console's reports page for viewer over [from, to) by grain (its
// four reports, charts and tables), as a browser asks for it.
func reportsPage(meter *metering.Meter, svc *reporting.Service, viewer agent.Agent, from, to time.Time, grain string) (pageTiming, error) {
	h := console.New(console.Options{Auth: signedIn{viewer}, Reports: svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}, "timeZone": {"UTC"}, "grain": {grain}}
	rec := httptest.NewRecorder()
	before, t0 := meter.Snapshot(), time.Now()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/console/reports?"+q.Encode(), nil))
	res := pageTiming{Ms: float64(time.Since(t0).Microseconds()) / 1000, Bytes: rec.Body.Len(), Ops: meter.Snapshot().Sub(before)}
	if rec.Code != http.StatusOK {
		return res, fmt.Errorf("reports page answered %d", rec.Code)
	}
	return res, nil
}
