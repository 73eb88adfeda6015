package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/agentview"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/monitor"
	"github.com/smsdesk/smsdesk/shared/reporting"
)

// frame is the part of every signed-in page: who is signed in and their inbox.
func (h *Handler) frame(ctx context.Context, r *http.Request, a agent.Agent, s Session, current string) (page, error) {
	d := h.navPage(r, a, s, "inbox")
	d.Title, d.Current = "Inbox", current
	chats, err := h.o.Desk.Chats(ctx, a.ID)
	if err != nil {
		return d, err
	}
	unread, err := h.o.Desk.Unread(ctx, a.ID, chats)
	if err != nil {
		return d, err
	}
	views := make([]agentview.Chat, len(chats))
	for i, c := range chats {
		views[i] = h.viewer().Chat(a, c)
	}
	d.Inbox, d.Unread = inboxItems(views, unread)
	return d, nil
}

// navPage is the frame of a signed-in page without the inbox: who is signed in, and the top
// bar's links to what they may open, nav marked as the current one.
func (h *Handler) navPage(r *http.Request, a agent.Agent, s Session, nav string) page {
	return page{Base: baseOf(r), CSRF: s.CSRF, Me: agentview.Self(a), Live: h.o.Stream != nil, Nav: nav,
		CanMonitor: h.o.Monitor != nil && monitor.Sees(a), CanReport: h.o.Reports != nil && reporting.MayRead(a), HasStats: h.o.Reports != nil}
}

func (h *Handler) viewer() agentview.Viewer {
	return agentview.Viewer{MediaURL: h.o.MediaURL, Log: h.o.Log}
}

func (h *Handler) inbox(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	d, err := h.frame(r.Context(), r, a, s, "")
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.render(w, http.StatusOK, "inbox", d)
}

func (h *Handler) inboxFragment(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	d, err := h.frame(r.Context(), r, a, s, r.URL.Query().Get("current"))
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.render(w, http.StatusOK, "inboxlist", d)
}

func (h *Handler) meFragment(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	h.render(w, http.StatusOK, "me", page{Base: baseOf(r), CSRF: s.CSRF, Me: agentview.Self(a)})
}

func (h *Handler) chat(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	h.showChat(w, r, a, s, http.StatusOK, chatPane{})
}

// showChat answers the chat page, or to htmx the chat pane, with what an action left to say
// (pane's Error, Flash and Draft) and status.
func (h *Handler) showChat(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session, status int, pane chatPane) {
	ctx := r.Context()
	id := r.PathValue("id")
	c, err := h.o.Desk.Chat(ctx, a, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.markSeen(ctx, a, c)
	d, err := h.frame(ctx, r, a, s, c.Session.ID)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	if err := h.fillPane(ctx, a, c, &pane); err != nil {
		h.fail(w, r, a, err)
		return
	}
	d.Title, d.Chat = pane.View.Consumer, &pane
	if r.Header.Get("HX-Request") == "true" && r.Method == http.MethodPost {
		h.render(w, status, "chatpane", d)
		return
	}
	h.render(w, status, "chat", d)
}

// fillPane adds to pane what the viewer sees of chat c and may do with it.
func (h *Handler) fillPane(ctx context.Context, a agent.Agent, c desk.Chat, pane *chatPane) error {
	pane.View = h.viewer().Chat(a, c)
	pane.Lines = lines(pane.View, a.ID)
	pane.Actable = c.Session.ActableBy(a.ID) == nil
	pane.Key = newKey()
	notes, err := h.o.Desk.Notes(ctx, a, c.Session.ID)
	if err != nil {
		return err
	}
	pane.Notes = notes
	if !pane.Actable {
		return nil
	}
	ps, err := h.o.Desk.Predefined(ctx, a.ID, c.Session.ID)
	if err != nil && !errors.Is(err, desk.ErrChatEnded) && !errors.Is(err, desk.ErrNotYourChat) {
		return err
	}
	pane.Predefined = predefinedItems(ps)
	qs, err := h.o.Desk.TransferQueues(ctx, a.ID, c.Session.ID)
	if err != nil && !errors.Is(err, desk.ErrChatEnded) && !errors.Is(err, desk.ErrNotYourChat) {
		return err
	}
	pane.Queues = qs
	return nil
}

// transcript answers the transcript alone, for live updates; seen=1 (the tab is in view)
// marks it read.
func (h *Handler) transcript(w http.ResponseWriter, r *http.Request, a agent.Agent, s Session) {
	ctx := r.Context()
	c, err := h.o.Desk.Chat(ctx, a, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	if r.URL.Query().Get("seen") == "1" {
		h.markSeen(ctx, a, c)
	}
	v := h.viewer().Chat(a, c)
	pane := chatPane{View: v, Lines: lines(v, a.ID), Actable: c.Session.ActableBy(a.ID) == nil}
	h.render(w, http.StatusOK, "transcript", page{Base: baseOf(r), CSRF: s.CSRF, Chat: &pane, Fragment: true})
}

// newKey is a fresh idempotency key for a reply form.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "console-" + hex.EncodeToString(b)
}

// fail answers a desk error with a page or fragment that says what to do.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, a agent.Agent, err error) {
	status, msg := explain(err)
	if status == http.StatusInternalServerError {
		h.o.Log.Error("console failure", "agent", a.ID, "path", r.URL.Path, "err", err)
	}
	h.errorPage(w, r, status, msg)
}

// explain maps a desk error to a status and a sentence for the agent.
func explain(err error) (int, string) {
	switch {
	case errors.Is(err, desk.ErrNotYourChat):
		return http.StatusNotFound, "This chat is not among yours."
	case errors.Is(err, desk.ErrChatEnded):
		return http.StatusConflict, "The chat has ended."
	case errors.Is(err, desk.ErrOfferExpired):
		return http.StatusConflict, "The offer has expired: the chat goes to the next agent."
	case errors.Is(err, desk.ErrNotOffered):
		return http.StatusConflict, "This chat is not offered to you any more."
	case errors.Is(err, desk.ErrTransferFailed):
		return http.StatusConflict, sentence(err)
	case errors.Is(err, desk.ErrNoSuchChoice):
		return http.StatusConflict, sentence(err)
	case errors.Is(err, desk.ErrKeyReused):
		return http.StatusUnprocessableEntity, "This reply was already sent with other text; reload the chat."
	case errors.Is(err, desk.ErrForbidden):
		return http.StatusForbidden, sentence(err)
	case errors.Is(err, desk.ErrInvalid):
		return http.StatusBadRequest, sentence(err)
	}
	return http.StatusInternalServerError, "Something went wrong; try again."
}

// sentence is an error's message without the sentinel's generic words in front.
func sentence(err error) string {
	s := err.Error()
	for _, p := range []string{desk.ErrInvalid.Error() + ": ", desk.ErrTransferFailed.Error() + ": "} {
		s = strings.TrimPrefix(s, p)
	}
	if r, n := utf8.DecodeRuneInString(s); n > 0 {
		s = string(unicode.ToUpper(r)) + s[n:]
	}
	return s + "."
}

// markSeen records that the agent has read the chat as shown. It is not cancelled with the
// request: a browser that abandons a re-read (a newer one replaced it) still showed the lines,
// and an unread count left behind would stay in the tab's title.
func (h *Handler) markSeen(ctx context.Context, a agent.Agent, c desk.Chat) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := h.o.Desk.MarkSeen(ctx, a.ID, c); err != nil {
		h.o.Log.Error("chat not marked seen", "session", c.Session.ID, "agent", a.ID, "err", err)
	}
}
