// Package console is the agents' console in the browser: server-rendered pages (html/template,
// which escapes every consumer text) with htmx for the live parts, its scripts, styles and
// libraries embedded in the binary. It decodes, authenticates, asks shared/desk and renders
// what shared/agentview decides an agent sees.
//
//	GET  /signin, POST /signin, POST /signout
//	GET  /                           the inbox, with status and capacity
//	GET  /chats/{id}                 a chat: transcript, reply, transfer, end, contact, notes
//	GET  /fragments/inbox            the inbox list (htmx)
//	GET  /fragments/me               status and capacity (htmx)
//	GET  /chats/{id}/transcript      the transcript (htmx; seen=1 marks it read)
//	POST /status                     status=available|busy|away|offline
//	POST /chats/{id}/reply           body=..., or predefined=id with var.NAME=value
//	POST /chats/{id}/transfer        target=agent:ID or queue:ID (or agent=ID), note=...
//	POST /chats/{id}/end
//	POST /chats/{id}/accept, /decline  a chat offered to a manual-answer agent
//	POST /chats/{id}/contact         contact=ID or contact=new
//	POST /chats/{id}/notes           body=...
//	GET  /events                     server-sent events: "chat" and "agent" changes
//	GET  /monitor                    live monitoring, for supervisors and admins (queue, agent,
//	                                 startType filter the past chats)
//	GET  /fragments/monitor          the monitoring page's body (htmx)
//	GET  /reports                    reports with charts, for supervisors and admins (from, to,
//	                                 timeZone, grain; queue filters the queues)
//	GET  /reports/{kind}.csv         a report's CSV export (queues, agents, teams, types, chats)
//	GET  /stats                      the agent's own figures beside their team's average
//	GET  /static/...                 the embedded assets
package console

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/consoleauth"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/ids"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options are what the console needs.
type Options struct {
	Desk *desk.Desk
	// Auth signs agents in; the session travels in consoleauth's cookie.
	Auth Auth
	// Stream pushes changes; nil leaves the pages without live updates.
	Stream Stream
	// MediaURL signs a kept media copy; MediaOrigins are the origins its links point at, which
	// the pages' Content-Security-Policy allows for images and videos.
	MediaURL     func(object string) (string, error)
	MediaOrigins []string
	Log          *slog.Logger
	// Monitor shows supervisors and admins live monitoring; nil serves no monitoring page.
	Monitor Monitor
	// Reports shows supervisors and admins the reports, and every agent their own figures;
	// nil serves neither page.
	Reports Reports
}

// Handler serves the console.
type Handler struct {
	o     Options
	pages *template.Template
	csp   string
	mux   *http.ServeMux
}

// prefix is the function's name, which paths may start with (behind cloudfunctions.net URLs
// and in the local stack); links keep it.
const prefix = "/console"

// New builds the console's routes.
func New(o Options) *Handler {
	h := &Handler{o: o, pages: template.Must(template.New("").Funcs(funcs).Funcs(reportFuncs).ParseFS(templateFiles, "templates/*.html")),
		csp: contentSecurityPolicy(o.MediaOrigins), mux: http.NewServeMux()}
	static, _ := fs.Sub(staticFiles, "static")
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))
	h.mux.HandleFunc("GET /signin", h.signInPage)
	h.mux.HandleFunc("POST /signin", h.signIn)
	h.mux.HandleFunc("POST /signout", h.auth(h.signOut))
	h.mux.HandleFunc("GET /{$}", h.auth(h.inbox))
	h.mux.HandleFunc("GET /fragments/inbox", h.auth(h.inboxFragment))
	h.mux.HandleFunc("GET /fragments/me", h.auth(h.meFragment))
	h.mux.HandleFunc("GET /chats/{id}", h.auth(h.chat))
	h.mux.HandleFunc("GET /chats/{id}/transcript", h.auth(h.transcript))
	h.mux.HandleFunc("POST /status", h.auth(h.status))
	h.mux.HandleFunc("POST /chats/{id}/reply", h.auth(h.reply))
	h.mux.HandleFunc("POST /chats/{id}/transfer", h.auth(h.transfer))
	h.mux.HandleFunc("POST /chats/{id}/end", h.auth(h.end))
	h.mux.HandleFunc("POST /chats/{id}/accept", h.auth(h.accept))
	h.mux.HandleFunc("POST /chats/{id}/decline", h.auth(h.decline))
	h.mux.HandleFunc("POST /chats/{id}/contact", h.auth(h.contact))
	h.mux.HandleFunc("POST /chats/{id}/notes", h.auth(h.note))
	h.mux.HandleFunc("GET /events", h.auth(h.events))
	h.mux.HandleFunc("GET /monitor", h.auth(h.monitor(false)))
	h.mux.HandleFunc("GET /fragments/monitor", h.auth(h.monitor(true)))
	h.mux.HandleFunc("GET /reports", h.auth(h.reportsPage))
	h.mux.HandleFunc("GET /reports/{file}", h.auth(h.reportCSV))
	h.mux.HandleFunc("GET /stats", h.auth(h.statsPage))
	h.mux.HandleFunc("/", h.noRoute)
	return h
}

// ServeHTTP serves a request, its path with or without the function's name in front.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	base := ""
	if p, ok := strings.CutPrefix(r.URL.Path, prefix); ok && (p == "" || p[0] == '/') {
		if p == "" {
			http.Redirect(w, r, prefix+"/", http.StatusMovedPermanently)
			return
		}
		base = prefix
		r = r.Clone(context.WithValue(r.Context(), baseKey{}, base))
		r.URL.Path, r.URL.RawPath = p, ""
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: with no-referrer the browser sends "Origin: null" on the
	// console's own POSTs, which the CSRF check refuses.
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

type baseKey struct{}

// baseOf is the path the console is served under for this request: "/console" or "".
func baseOf(r *http.Request) string {
	b, _ := r.Context().Value(baseKey{}).(string)
	return b
}

// contentSecurityPolicy allows only the console's own scripts and styles (no inline ones),
// and images and videos from the console and the media links' origins.
func contentSecurityPolicy(media []string) string {
	m := ""
	for _, o := range media {
		m += " " + o
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'" + m + " data:; media-src 'self'" + m +
		"; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
}

type authed func(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session)

// auth lets through requests with a valid session cookie, and POSTs with its CSRF token;
// pages without a session go to the sign-in page.
func (h *Handler) auth(next authed) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.o.Auth == nil {
			h.errorPage(w, r, http.StatusServiceUnavailable, "Signing in to the console is not set up in this deployment.")
			return
		}
		a, s, err := h.o.Auth.Authenticate(r.Context(), r)
		if err != nil {
			if !errors.Is(err, ErrSignedOut) && !errors.Is(err, ErrBadCredentials) {
				h.o.Log.Info("console request not authenticated", "err", err)
			}
			h.signInAgain(w, r)
			return
		}
		if r.Method == http.MethodPost && !consoleauth.CheckCSRF(s, r) {
			h.o.Log.Warn("console POST without its CSRF token", "agent", a.ID, "path", ids.Short(r.URL.Path))
			h.errorPage(w, r, http.StatusForbidden, "This form has expired. Reload the page and try again.")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next(w, r, a, s)
	}
}

// signInAgain sends the browser to the sign-in page: a redirect for a page, HX-Redirect for
// an htmx request, 401 for the event stream.
func (h *Handler) signInAgain(w http.ResponseWriter, r *http.Request) {
	to := baseOf(r) + "/signin"
	switch {
	case r.Header.Get("HX-Request") == "true":
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusUnauthorized)
	case r.URL.Path == "/events" || r.Method != http.MethodGet:
		h.errorPage(w, r, http.StatusUnauthorized, "You are signed out. Sign in again.")
	default:
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
}

func (h *Handler) noRoute(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusNotFound, "There is no such page in the console.")
}

// render executes a template into a buffer first, so a failure answers a clean 500.
func (h *Handler) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.o.Log.Error("console page not rendered", "template", name, "err", err)
		http.Error(w, "internal error; try again", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage answers a page (or, to htmx, a fragment) that says what went wrong.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	d := page{Base: baseOf(r), Title: http.StatusText(status), Error: msg, Status: status}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Retarget", "#flash")
		w.Header().Set("HX-Reswap", "innerHTML")
		h.render(w, status, "flash", d)
		return
	}
	h.render(w, status, "error", d)
}
