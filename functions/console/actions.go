package console

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/agentview"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/ids"
)

// maxForm bounds a posted form: a reply is at most 1600 characters, a note 2000.
const maxForm = 64 << 10

func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	return r.ParseForm() == nil
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	if !parseForm(w, r) {
		h.errorPage(w, r, http.StatusBadRequest, "The form could not be read; try again.")
		return
	}
	updated, err := h.o.Desk.SetStatus(r.Context(), a.ID, r.PostForm.Get("status"))
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	if r.Header.Get("HX-Request") == "true" {
		h.render(w, http.StatusOK, "me", page{Base: baseOf(r), CSRF: s.CSRF, Me: agentview.Self(updated)})
		return
	}
	http.Redirect(w, r, baseOf(r)+"/", http.StatusSeeOther)
}

// acted answers a chat action: the chat as it is now, with err's explanation (and the text
// the agent typed, kept) or the flash message; a form posted without htmx is redirected to
// the chat page after a success.
func (h *Handler) acted(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session, err error, flash string, pane chatPane) {
	if err == nil {
		if r.Header.Get("HX-Request") != "true" {
			http.Redirect(w, r, baseOf(r)+"/chats/"+r.PathValue("id"), http.StatusSeeOther)
			return
		}
		pane.Draft, pane.Flash = "", flash
		h.showChat(w, r, a, s, http.StatusOK, pane)
		return
	}
	status, msg := explain(err)
	if status == http.StatusInternalServerError {
		h.o.Log.Error("console action failed", "agent", a.ID, "session", ids.Short(r.PathValue("id")), "err", err)
	}
	if status == http.StatusNotFound {
		h.errorPage(w, r, status, msg)
		return
	}
	pane.Error = msg
	h.showChat(w, r, a, s, status, pane)
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	if !parseForm(w, r) {
		h.errorPage(w, r, http.StatusBadRequest, "The form could not be read; try again.")
		return
	}
	f, id := r.PostForm, r.PathValue("id")
	key := f.Get("key")
	var err error
	if p := f.Get("predefined"); p != "" {
		vars := map[string]string{}
		for k, v := range f {
			if name, ok := strings.CutPrefix(k, "var."); ok && len(v) > 0 {
				vars[name] = strings.TrimSpace(v[0])
			}
		}
		_, err = h.o.Desk.ReplyPredefined(r.Context(), a.ID, a.Name, id, p, vars, key)
	} else {
		_, err = h.o.Desk.Reply(r.Context(), a.ID, id, f.Get("body"), key)
		if err != nil {
			h.acted(w, r, a, s, err, "", chatPane{Draft: f.Get("body")})
			return
		}
	}
	h.acted(w, r, a, s, err, "", chatPane{})
}

func (h *Handler) transfer(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	if !parseForm(w, r) {
		h.errorPage(w, r, http.StatusBadRequest, "The form could not be read; try again.")
		return
	}
	req := desk.TransferRequest{Agent: strings.TrimSpace(r.PostForm.Get("agent")), Queue: r.PostForm.Get("queue"), Note: strings.TrimSpace(r.PostForm.Get("note"))}
	var err error
	if (req.Agent == "") == (req.Queue == "") {
		err = fmt.Errorf("%w: choose a queue or type an agent id, not both", desk.ErrInvalid)
	} else {
		err = h.o.Desk.Transfer(r.Context(), a.ID, r.PathValue("id"), req)
	}
	to := "queue " + req.Queue
	if req.Agent != "" {
		to = "agent " + req.Agent
	}
	h.acted(w, r, a, s, err, "Transferred to "+to+".", chatPane{})
}

func (h *Handler) end(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	err := h.o.Desk.End(r.Context(), a.ID, r.PathValue("id"))
	h.acted(w, r, a, s, err, "You ended the chat.", chatPane{})
}

func (h *Handler) contact(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	if !parseForm(w, r) {
		h.errorPage(w, r, http.StatusBadRequest, "The form could not be read; try again.")
		return
	}
	choice := r.PostForm.Get("contact")
	var err error
	if choice == "" {
		err = fmt.Errorf("%w: choose a contact, or a new one", desk.ErrInvalid)
	} else if choice == "new" {
		err = h.o.Desk.ChooseContact(r.Context(), a.ID, r.PathValue("id"), "", true)
	} else {
		err = h.o.Desk.ChooseContact(r.Context(), a.ID, r.PathValue("id"), choice, false)
	}
	h.acted(w, r, a, s, err, "The chat goes to the contact you chose.", chatPane{})
}

func (h *Handler) note(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	if !parseForm(w, r) {
		h.errorPage(w, r, http.StatusBadRequest, "The form could not be read; try again.")
		return
	}
	_, err := h.o.Desk.AddNote(r.Context(), a, r.PathValue("id"), r.PostForm.Get("body"))
	h.acted(w, r, a, s, err, "Note added.", chatPane{})
}

// accept takes a chat offered to the agent and opens it.
func (h *Handler) accept(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	if _, err := h.o.Desk.Accept(r.Context(), a, r.PathValue("id")); err != nil {
		h.fail(w, r, a, err)
		return
	}
	http.Redirect(w, r, baseOf(r)+"/chats/"+r.PathValue("id"), http.StatusSeeOther)
}

// decline passes on a chat offered to the agent: it goes to the next agent.
func (h *Handler) decline(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	if _, err := h.o.Desk.Decline(r.Context(), a, r.PathValue("id")); err != nil {
		h.fail(w, r, a, err)
		return
	}
	http.Redirect(w, r, baseOf(r)+"/", http.StatusSeeOther)
}
