package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/consoleauth"
)

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, "signin", page{Base: baseOf(r), Title: "Sign in"})
}

// signIn takes an agent id and password, or an agent token. There is no session yet to carry
// a CSRF token, so a sign-in posted from another site is refused by its Origin.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	d := page{Base: baseOf(r), Title: "Sign in"}
	if h.o.Auth == nil {
		h.errorPage(w, r, http.StatusServiceUnavailable, "Signing in to the console is not set up in this deployment.")
		return
	}
	if !sameOrigin(r) {
		d.Error = "Sign in from the console's own page."
		h.render(w, http.StatusForbidden, "signin", d)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		d.Error = "The form could not be read; try again."
		h.render(w, http.StatusBadRequest, "signin", d)
		return
	}
	agentID, password, token := strings.TrimSpace(r.PostForm.Get("agent")), r.PostForm.Get("password"), strings.TrimSpace(r.PostForm.Get("token"))
	d.AgentID = agentID
	var s Session
	var err error
	switch {
	case token != "":
		s, err = h.o.Auth.SignInWithToken(r.Context(), token)
	case agentID != "" && password != "":
		s, err = h.o.Auth.SignIn(r.Context(), agentID, password)
	default:
		d.Error = "Enter your agent id and password, or your agent token."
		h.render(w, http.StatusBadRequest, "signin", d)
		return
	}
	if errors.Is(err, ErrBadCredentials) {
		d.Error = "Unknown agent or wrong password (or token)."
		h.render(w, http.StatusUnauthorized, "signin", d)
		return
	}
	if err != nil {
		h.o.Log.Error("console sign-in failed", "err", err)
		d.Error = "Signing in failed; try again."
		h.render(w, http.StatusInternalServerError, "signin", d)
		return
	}
	consoleauth.SetCookie(w, r, s)
	h.o.Log.Info("agent signed in to the console", "agent", s.AgentID)
	http.Redirect(w, r, d.Base+"/", http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	if err := h.o.Auth.SignOut(r.Context(), s); err != nil {
		h.o.Log.Error("console sign-out failed", "agent", a.ID, "err", err)
	}
	consoleauth.ClearCookie(w, r)
	h.o.Log.Info("agent signed out of the console", "agent", a.ID)
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", baseOf(r)+"/signin")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, baseOf(r)+"/signin", http.StatusSeeOther)
}

// sameOrigin reports whether a POST comes from a page of this host: its Origin (or, without
// one, its Referer) names the request's host; a request naming neither (curl) passes.
func sameOrigin(r *http.Request) bool {
	from := r.Header.Get("Origin")
	if from == "" || from == "null" {
		from = r.Header.Get("Referer")
	}
	if from == "" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	u, err := url.Parse(from)
	return err == nil && u.Host == r.Host
}
