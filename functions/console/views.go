package console

import (
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smsdesk/smsdesk/shared/agentview"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/monitor"
	"github.com/smsdesk/smsdesk/shared/reporting"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// page is what a template renders; consumer texts stay plain strings, which html/template
// escapes wherever they go.
type page struct {
	Base, Title, Error string
	Status             int
	AgentID            string // the sign-in form's
	CSRF               string
	Me                 agentview.Agent
	Live               bool
	Inbox              []inboxItem
	Unread             int
	Current            string // the open chat's id
	Chat               *chatPane
	// Fragment is set when a part is rendered alone, to update a page in place.
	Fragment bool
	// Monitor is the monitoring page's; Events the event stream's path when not /events.
	Monitor *monitorPage
	Events  string
	// CanMonitor shows the Monitoring link (monitor.Sees), CanReport the Reports link
	// (reporting.MayRead), HasStats the My stats link; Nav is the page the top bar marks.
	CanMonitor, CanReport, HasStats bool
	Nav                             string
	// Reports is the reports page's, Stats the agent's own statistics page's.
	Reports *reportsPage
	Stats   *reporting.Stats
}

// Statuses are the statuses an agent picks from.
var Statuses = []string{"available", "busy", "away", "offline"}

type inboxItem struct {
	ID, Consumer, Queue, Language, Last, LastWho string
	Unread                                       int
	// WaitingSince is the consumer's first unanswered line; zero when nobody waits.
	WaitingSince time.Time
	// Offered is a chat offered to a manual-answer agent: accept it before OfferDeadline.
	Offered       bool
	OfferDeadline time.Time
}

type chatPane struct {
	View       agentview.Chat
	Lines      []line
	Actable    bool
	Predefined []predefined
	Queues     []config.Queue
	Notes      []store.Note
	Draft      string
	Key        string // the reply form's idempotency key: a form sent twice replies once
	Error      string
	Flash      string
}

type line struct {
	Seq                             int
	Class, Who, Kind, Body          string
	Media                           []mediaItem
	At                              time.Time
	Status, StatusLabel, StatusTone string
}

type mediaItem struct {
	URL, Type    string
	Image, Video bool
}

type predefined struct {
	ID, Text  string
	Variables []string
}

// inboxItems are the agent's chats as listed in the inbox.
func inboxItems(views []agentview.Chat, unread map[string]int) ([]inboxItem, int) {
	out := make([]inboxItem, 0, len(views))
	total := 0
	for _, v := range views {
		it := inboxItem{ID: v.ID, Consumer: v.Consumer, Queue: v.Queue, Language: v.Language, Unread: unread[v.ID]}
		// An offer is not the agent's chat yet: its card says so, and its lines are not counted
		// unread until it is accepted.
		if v.Offer != nil {
			it.Offered, it.OfferDeadline, it.Unread = true, v.Offer.Deadline, 0
		}
		total += it.Unread
		for _, e := range v.Transcript {
			switch e.Author {
			case string(session.FromConsumer):
				if it.WaitingSince.IsZero() {
					it.WaitingSince = e.At
				}
				it.Last, it.LastWho = summary(e), ""
			case string(session.FromAgent):
				if e.Kind == "" {
					it.WaitingSince = time.Time{}
					it.Last, it.LastWho = summary(e), "You: "
				}
			}
		}
		out = append(out, it)
	}
	return out, total
}

// summary is a line cut for the inbox.
func summary(e agentview.Entry) string {
	s := strings.Join(strings.Fields(e.Body), " ")
	if s == "" && len(e.Media) > 0 {
		return fmt.Sprintf("[%d attachment(s)]", len(e.Media))
	}
	if utf8.RuneCountInString(s) > 90 {
		s = string([]rune(s)[:89]) + "…"
	}
	return s
}

// lines tells the transcript's consumer, agent and system lines, and the events agents see
// and the consumer does not (transfers, notes for the next agent).
func lines(v agentview.Chat, viewerID string) []line {
	out := make([]line, 0, len(v.Transcript))
	for _, e := range v.Transcript {
		l := line{Seq: e.Seq, Kind: e.Kind, Body: e.Body, At: e.At, Status: e.Status}
		switch {
		case e.Author == string(session.FromConsumer):
			l.Class, l.Who = "consumer", "Consumer"
		case e.Author == string(session.FromAgent) && e.Kind == "note":
			l.Class, l.Who = "event", "Note for the next agent from "+e.AgentID
		case e.Author == string(session.FromAgent):
			l.Class, l.Who = "agent", e.AgentID
			if e.AgentID == viewerID {
				l.Who = "You"
			}
		case e.Status == "":
			l.Class, l.Who = "event", eventName(e.Kind)
		default:
			l.Class, l.Who = "system", "Automatic message"
			if e.Kind != "" {
				l.Who += " · " + strings.ReplaceAll(e.Kind, "_", " ")
			}
		}
		if e.Author != string(session.FromConsumer) && e.Status != "" {
			l.StatusLabel, l.StatusTone = deliveryStatus(e.Status, e.ErrorCode)
		}
		for _, m := range e.Media {
			l.Media = append(l.Media, mediaItem{URL: m.URL, Type: m.ContentType,
				Image: strings.HasPrefix(m.ContentType, "image/"), Video: strings.HasPrefix(m.ContentType, "video/")})
		}
		out = append(out, l)
	}
	return out
}

func eventName(kind string) string {
	switch kind {
	case session.KindTransferStarted:
		return "Transfer started"
	case session.KindTransferEnded:
		return "Transfer ended"
	case session.KindTransferFailed:
		return "Transfer failed"
	case "":
		return "Event"
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// deliveryStatus names a message's delivery status, with the carrier's error when it failed.
func deliveryStatus(status string, code int) (label, tone string) {
	withCode := func(s string) string {
		if code != 0 {
			return fmt.Sprintf("%s (carrier error %d)", s, code)
		}
		return s
	}
	switch status {
	case session.StatusPending, session.StatusDispatching, "queued", "accepted", "sending":
		return "Sending", "pending"
	case "sent":
		return "Sent", "ok"
	case "delivered":
		return "Delivered", "ok"
	case session.StatusByCarrier:
		return "Sent by the carrier", "ok"
	case session.StatusScheduled:
		return "Held for later", "pending"
	case session.StatusBlocked:
		return "Blocked: the consumer opted out", "bad"
	case "undelivered":
		return withCode("Undelivered"), "bad"
	case "failed":
		return withCode("Failed"), "bad"
	}
	return status, "pending"
}

// predefinedItems are the canned messages with the variables the agent fills in.
func predefinedItems(ps []config.Predefined) []predefined {
	out := make([]predefined, 0, len(ps))
	for _, p := range ps {
		out = append(out, predefined{ID: p.ID, Text: p.Text, Variables: desk.PredefinedVariables(p)})
	}
	return out
}

var funcs = template.FuncMap{
	"statuses": func() []string { return Statuses },
	"duration": duration,
	"rows": func(base, label, when, empty string, rows []monitor.ChatRow) chatRows {
		return chatRows{Base: base, Label: label, When: when, Empty: empty, Rows: rows}
	},
	"secs": durationOf,
	"clock": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("15:04")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"waited": func(t time.Time) string {
		d := time.Since(t).Round(time.Minute)
		switch {
		case d < time.Minute:
			return "under a minute"
		case d < time.Hour:
			return fmt.Sprintf("%d min", int(d.Minutes()))
		}
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	},
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	},
	"queueName": func(q config.Queue) string {
		if q.Name != "" && q.Name != q.ID {
			return q.Name + " (" + q.ID + ")"
		}
		return q.ID
	},
}
