// Package crmsync brings chats into the business's CRM. It never trusts an event's payload:
// on every chat event it reads the chat as stored and posts what the CRM has not had yet, each
// CRM event with an id derived from the chat, so a repeated, late or lost chat event changes
// nothing but timing.
package crmsync

import (
	"strconv"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// StartOutbound is the start type of chats the business opened.
const StartOutbound = "outbound"

// State is how far one chat's sync has gone, as the store keeps it.
type State = store.CRMSync

// transferEvents are the CRM events of the transcript's transfer lines.
var transferEvents = map[string]string{
	session.KindTransferStarted: crm.EventTransferStarted,
	session.KindTransferFailed:  crm.EventTransferFailed,
	session.KindTransferEnded:   crm.EventTransferEnded,
}

// Due reports whether a chat has reached the CRM's attention: an agent took it, the business
// opened it, or it ended (so abandoned chats are recorded too).
func Due(s session.Session) bool {
	return !s.AssignedAt.IsZero() || s.StartType == StartOutbound || s.State == session.Ended
}

// Lines says which transcript lines a sync of chat s at st needs: every line once the chat
// has ended (its transcript goes to the CRM) or while a chat the business opened has not been
// posted (its first text), the lines after st.Through when a Notable line came since, and
// otherwise none, so most chat events read no transcript at all.
func Lines(s session.Session, st State) (after int, read bool) {
	switch {
	case s.State == session.Ended || (!st.Started && s.StartType == StartOutbound):
		return 0, true
	case s.NotableSeq > st.Through:
		return st.Through, true
	}
	return 0, false
}

// Plan lists the CRM events of a chat that st has not posted yet, in order, and the state
// once they are posted. entries are the lines Lines asks for (every line will do); link turns
// a kept media object into a link for the CRM.
func Plan(s session.Session, entries []session.Entry, st State, link func(object string) string) ([]crm.Event, State) {
	if !Due(s) || st.Done {
		return nil, st
	}
	consumerMessages := 0
	for _, e := range entries {
		if e.Author == session.FromConsumer {
			consumerMessages++
		}
	}
	// The chat counts its consumer's messages; the lines count them for a chat stored before.
	consumerMessages = max(consumerMessages, s.Counts.Consumer.Messages)
	base := crm.Event{ChatID: s.ID, Phone: s.Phone, Language: s.Language, Queue: s.QueueID, ConsumerMessages: consumerMessages}
	event := func(id, typ string, at time.Time, text string) crm.Event {
		e := base
		e.ID, e.Type, e.At, e.Text = s.ID+":"+id, typ, at, text
		return e
	}
	var out []crm.Event
	next := st
	if !st.Started {
		switch {
		case s.StartType == StartOutbound:
			out = append(out, event("outbound", crm.EventOutboundSent, s.CreatedAt, firstOutbound(entries)))
		case !s.AssignedAt.IsZero():
			out = append(out, event("connected", crm.EventChatConnected, s.AssignedAt, connectedText(s, entries)))
		}
		next.Started = true
	}
	// No Notable line up to the chat's last that entries leave out (Lines).
	next.Through = max(next.Through, s.Seq)
	for _, e := range entries {
		if e.Seq <= st.Through || !e.Notable() {
			continue
		}
		next.Through = max(next.Through, e.Seq)
		id := "e" + strconv.Itoa(e.Seq)
		if typ, ok := transferEvents[e.Kind]; ok {
			out = append(out, event(id, typ, e.At, e.Body))
		} else {
			m := event(id, crm.EventMedia, e.At, e.Body)
			for _, x := range e.Media {
				if u := mediaLink(x, link); u != "" {
					m.Media = append(m.Media, u)
				}
			}
			out = append(out, m)
		}
	}
	if s.State == session.Ended {
		out = append(out, event("ended", crm.EventChatEnded, s.EndedAt, s.EndReason))
		t := event("transcript", crm.EventTranscript, s.EndedAt, "")
		for _, e := range entries {
			t.Transcript = append(t.Transcript, crm.Line{Author: string(e.Author), Body: lineBody(e, link), At: e.At})
		}
		out = append(out, t)
		next.Done = true
	}
	return out, next
}

// firstOutbound is the text the business opened the chat with.
func firstOutbound(entries []session.Entry) string {
	for _, e := range entries {
		if e.Outbound() {
			return e.Body
		}
	}
	return ""
}

// connectedText names the agent who took the chat: the first who held it (the "assigned"
// line's, in a chat stored before its legs were kept), else the one holding it.
func connectedText(s session.Session, entries []session.Entry) string {
	agent := s.AgentID
	if len(s.Legs) > 0 && s.Legs[0].AgentID != "" {
		return "connected to agent " + s.Legs[0].AgentID + " in queue " + s.QueueID
	}
	for _, e := range entries {
		if e.Kind == "assigned" && e.AgentID != "" {
			agent = e.AgentID
			break
		}
	}
	if agent == "" {
		return "connected in queue " + s.QueueID
	}
	return "connected to agent " + agent + " in queue " + s.QueueID
}

// lineBody is a transcript line as the CRM shows it: the text, and its media links.
func lineBody(e session.Entry, link func(string) string) string {
	if len(e.Media) == 0 {
		return e.Body
	}
	parts := []string{}
	if e.Body != "" {
		parts = append(parts, e.Body)
	}
	for _, m := range e.Media {
		if u := mediaLink(m, link); u != "" {
			parts = append(parts, "["+m.ContentType+"] "+u)
		}
	}
	return strings.Join(parts, "\n")
}

// mediaLink is where the CRM finds a media item: our kept copy, else the carrier's URL.
func mediaLink(m session.Media, link func(string) string) string {
	if m.Object != "" && link != nil {
		return link(m.Object)
	}
	return m.URL
}

// PlanNotification is the CRM event of a one-way text stored at path.
func PlanNotification(path string, e session.Entry) crm.Event {
	id := path[strings.LastIndex(path, "/")+1:]
	return crm.Event{
		ID: "message:" + id, ChatID: "message-" + id, Phone: e.Phone, Type: crm.EventOutboundSent,
		At: e.At, Text: e.Body,
	}
}
