package agent

import (
	"time"

	"github.com/smsdesk/smsdesk/shared/agents"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// The API's JSON shapes: explicit, so no stored field (like the consumer's full number) leaks.

type agentJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Status      string   `json:"status"`
	Capacity    int      `json:"capacity"`
	ActiveChats int      `json:"activeChats"`
	Queues      []string `json:"queues"`
	Languages   []string `json:"languages"`
	Role        string   `json:"role"`
}

func agentView(a routing.Agent) agentJSON {
	status := a.Status
	if status == "" {
		status = routing.AgentOffline
	}
	return agentJSON{ID: a.ID, Name: a.Name, Status: status, Capacity: a.Capacity, ActiveChats: a.ActiveChats, Queues: a.ServesQueues, Languages: a.Languages, Role: a.Role}
}

// entryJSON omits what is unset: a line not yet stored has no seq nor time.
type entryJSON struct {
	Seq       int             `json:"seq,omitempty"`
	Author    string          `json:"author"`
	AgentID   string          `json:"agentId,omitempty"`
	Kind      string          `json:"kind,omitempty"`
	Body      string          `json:"body"`
	Media     []session.Media `json:"media,omitempty"`
	At        time.Time       `json:"at,omitzero"`
	Status    string          `json:"status,omitempty"`
	ErrorCode int             `json:"errorCode,omitempty"`
}

func entryView(e session.Entry) entryJSON {
	return entryJSON{Seq: e.Seq, Author: string(e.Author), AgentID: e.AgentID, Kind: e.Kind, Body: e.Body, Media: e.Media, At: e.At, Status: e.Status, ErrorCode: e.ErrorCode}
}

// mediaView gives each kept media item a short-lived signed URL in place of its object name.
func (h *Handler) mediaView(ms []session.Media) []session.Media {
	out := make([]session.Media, 0, len(ms))
	for _, m := range ms {
		if m.Object != "" && h.MediaURL != nil {
			u, err := h.MediaURL(m.Object)
			if err != nil {
				h.Log.Error("media URL not signed", "object", m.Object, "err", err)
			}
			m = session.Media{URL: u, ContentType: m.ContentType}
		}
		out = append(out, m)
	}
	return out
}

type chatJSON struct {
	ID         string      `json:"id"`
	State      string      `json:"state"`
	Consumer   string      `json:"consumer"`
	Business   string      `json:"business"`
	Queue      string      `json:"queue"`
	Language   string      `json:"language"`
	StartType  string      `json:"startType"`
	CreatedAt  time.Time   `json:"createdAt"`
	AssignedAt time.Time   `json:"assignedAt,omitzero"`
	EndReason  string      `json:"endReason,omitempty"`
	Contact    contactJSON `json:"contact"`
	// PossibleOptOut is opt-out wording the consumer wrote that no agent has settled yet.
	PossibleOptOut *possibleOptOutJSON `json:"possibleOptOut,omitempty"`
	Transcript     []entryJSON         `json:"transcript"`
}

// possibleOptOutJSON shows a possible opt-out request with the calls that settle it.
type possibleOptOutJSON struct {
	Notice  string    `json:"notice"`
	Wording string    `json:"wording"`
	At      time.Time `json:"at"`
	OptOut  string    `json:"optOut"`
	Dismiss string    `json:"dismiss"`
}

func possibleOptOutView(s session.Session) *possibleOptOutJSON {
	f := s.OptOutFlag
	if f == nil {
		return nil
	}
	return &possibleOptOutJSON{Notice: "possible opt-out request", Wording: f.Wording, At: f.At,
		OptOut: "POST /agent/chats/" + s.ID + "/optout", Dismiss: "POST /agent/chats/" + s.ID + "/optout/dismiss"}
}

// contactJSON is the chat's CRM contact: "pending" until the chat reaches the CRM, "linked"
// with its id, or "choose" with the candidates when several contacts share the number.
type contactJSON struct {
	Status     string            `json:"status"`
	ID         string            `json:"id,omitempty"`
	Candidates []store.Candidate `json:"candidates,omitempty"`
}

func contactView(st store.CRMSync) contactJSON {
	switch {
	case st.ContactID != "":
		return contactJSON{Status: "linked", ID: st.ContactID}
	case st.Waiting():
		return contactJSON{Status: "choose", Candidates: st.Candidates}
	}
	return contactJSON{Status: "pending"}
}

// chatView shows the consumer's number masked unless the agent's role allows the full number.
func (h *Handler) chatView(c agents.Chat, fullNumber bool) chatJSON {
	s := c.Session
	consumer := agents.MaskPhone(s.Phone)
	if fullNumber {
		consumer = s.Phone
	}
	out := chatJSON{
		ID: s.ID, State: string(s.State), Consumer: consumer, Business: s.Business,
		Queue: s.QueueID, Language: s.Language, StartType: s.StartType, CreatedAt: s.CreatedAt,
		AssignedAt: s.AssignedAt, EndReason: s.EndReason, Contact: contactView(c.CRM), PossibleOptOut: possibleOptOutView(s), Transcript: make([]entryJSON, 0, len(c.Transcript)),
	}
	for _, e := range c.Transcript {
		v := entryView(e)
		if len(e.Media) > 0 {
			v.Media = h.mediaView(e.Media)
		}
		out.Transcript = append(out.Transcript, v)
	}
	return out
}
