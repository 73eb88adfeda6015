// Package agentview decides what an agent is shown of a chat, of a contact and of
// themselves: the consumer's number masked unless the viewer's role allows it, how the chat
// stands in the CRM (pending, linked, or a choice among contacts), a possible opt-out request
// with the calls that settle it, and media as short-lived links. The shapes are explicit, so
// no stored field (like the consumer's full number) reaches an agent by accident; the agent
// API encodes them as they are.
package agentview

import (
	"log/slog"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Phone is phone as viewer may see it: in full for supervisors and admins, masked
// (+1 ***-***-1234) for agents.
func Phone(viewer routing.Agent, phone string) string {
	if viewer.SeesFullNumbers() {
		return phone
	}
	return desk.MaskPhone(phone)
}

// Agent is an agent as they see themselves.
type Agent struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Status      string   `json:"status"`
	Capacity    int      `json:"capacity"`
	ActiveChats int      `json:"activeChats"`
	Queues      []string `json:"queues"`
	Languages   []string `json:"languages"`
	Role        string   `json:"role"`
	// Answer is "auto" (chats are theirs when assigned) or "manual" (offered; they accept).
	Answer string `json:"answer"`
	// Offers counts the chats offered to them and not yet answered.
	Offers int `json:"offers"`
}

// Self is the view of agent a: an agent never seen online is offline.
func Self(a routing.Agent) Agent {
	status := a.Status
	if status == "" {
		status = routing.AgentOffline
	}
	answer := a.Answer
	if answer == "" {
		answer = config.AnswerAuto
	}
	return Agent{ID: a.ID, Name: a.Name, Status: status, Capacity: a.Capacity, ActiveChats: a.ActiveChats, Queues: a.ServesQueues,
		Languages: a.Languages, Role: a.Role, Answer: answer, Offers: a.Offers}
}

// Entry is a transcript line; what is unset is left out (a line not yet stored has no seq
// nor time).
type Entry struct {
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

// Line is the view of transcript line e, its media as they are stored.
func Line(e session.Entry) Entry {
	return Entry{Seq: e.Seq, Author: string(e.Author), AgentID: e.AgentID, Kind: e.Kind, Body: e.Body, Media: e.Media, At: e.At, Status: e.Status, ErrorCode: e.ErrorCode}
}

// Chat is a chat as an agent sees it.
type Chat struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Consumer  string `json:"consumer"`
	Business  string `json:"business"`
	Queue     string `json:"queue"`
	Language  string `json:"language"`
	StartType string `json:"startType"`
	// Type is the chat's type for reports: sms or outbound_sms.
	Type       string    `json:"type"`
	CreatedAt  time.Time `json:"createdAt"`
	AssignedAt time.Time `json:"assignedAt,omitzero"`
	EndReason  string    `json:"endReason,omitempty"`
	Contact    Contact   `json:"contact"`
	// Offer is set on a chat offered to the viewer: accept it before the deadline.
	Offer *Offer `json:"offer,omitempty"`
	// PossibleOptOut is opt-out wording the consumer wrote that no agent has settled yet.
	PossibleOptOut *PossibleOptOut `json:"possibleOptOut,omitempty"`
	Transcript     []Entry         `json:"transcript"`
}

// PossibleOptOut shows a possible opt-out request with the calls that settle it.
type PossibleOptOut struct {
	Notice  string    `json:"notice"`
	Wording string    `json:"wording"`
	At      time.Time `json:"at"`
	OptOut  string    `json:"optOut"`
	Dismiss string    `json:"dismiss"`
}

// Offer is a chat's offer to the viewer with the calls that answer it.
type Offer struct {
	Deadline time.Time `json:"deadline"`
	Accept   string    `json:"accept"`
	Decline  string    `json:"decline"`
}

// OfferTo is the offer of chat s to viewer, or nil when it is not offered to them.
func OfferTo(viewer routing.Agent, s session.Session) *Offer {
	if !s.OfferedTo(viewer.ID) {
		return nil
	}
	return &Offer{Deadline: s.Offer.Deadline, Accept: "POST /agent/chats/" + s.ID + "/accept", Decline: "POST /agent/chats/" + s.ID + "/decline"}
}

// Contact is the chat's CRM contact.
type Contact struct {
	Status     string            `json:"status"`
	ID         string            `json:"id,omitempty"`
	Candidates []store.Candidate `json:"candidates,omitempty"`
}

// Contact states.
const (
	ContactPending = "pending" // the chat has not reached the CRM yet
	ContactLinked  = "linked"  // with the contact's id
	ContactChoose  = "choose"  // several contacts share the number: the agent picks one
)

// CRMContact is how a chat stands in the CRM.
func CRMContact(st store.CRMSync) Contact {
	switch {
	case st.ContactID != "":
		return Contact{Status: ContactLinked, ID: st.ContactID}
	case st.Waiting():
		return Contact{Status: ContactChoose, Candidates: st.Candidates}
	}
	return Contact{Status: ContactPending}
}

// OptOutRequest is chat s's unsettled possible opt-out request, or nil.
func OptOutRequest(s session.Session) *PossibleOptOut {
	f := s.OptOutFlag
	if f == nil {
		return nil
	}
	return &PossibleOptOut{Notice: "possible opt-out request", Wording: f.Wording, At: f.At,
		OptOut: "POST /agent/chats/" + s.ID + "/optout", Dismiss: "POST /agent/chats/" + s.ID + "/optout/dismiss"}
}

// Viewer builds chats' views.
type Viewer struct {
	// MediaURL gives a short-lived link to a kept media copy; nil when media stay at the
	// carrier (their URL is shown as stored).
	MediaURL func(object string) (string, error)
	Log      *slog.Logger
}

// Chat is the view of c for viewer.
func (v Viewer) Chat(viewer routing.Agent, c desk.Chat) Chat {
	s := c.Session
	out := Chat{
		ID: s.ID, State: string(s.State), Consumer: Phone(viewer, s.Phone), Business: s.Business,
		Queue: s.QueueID, Language: s.Language, StartType: s.StartType, Type: s.Type(), Offer: OfferTo(viewer, s), CreatedAt: s.CreatedAt,
		AssignedAt: s.AssignedAt, EndReason: s.EndReason, Contact: CRMContact(c.CRM), PossibleOptOut: OptOutRequest(s),
		Transcript: make([]Entry, 0, len(c.Transcript)),
	}
	for _, e := range c.Transcript {
		line := Line(e)
		if len(e.Media) > 0 {
			line.Media = v.media(e.Media)
		}
		out.Transcript = append(out.Transcript, line)
	}
	return out
}

// media gives each kept media item a short-lived signed URL in place of its object name.
func (v Viewer) media(ms []session.Media) []session.Media {
	out := make([]session.Media, 0, len(ms))
	for _, m := range ms {
		if m.Object != "" && v.MediaURL != nil {
			u, err := v.MediaURL(m.Object)
			if err != nil && v.Log != nil {
				v.Log.Error("media URL not signed", "object", m.Object, "err", err)
			}
			m = session.Media{URL: u, ContentType: m.ContentType}
		}
		out = append(out, m)
	}
	return out
}
