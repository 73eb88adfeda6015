package reports

import (
	"strconv"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/session"
)

// ChatRow is one chat of the chats report: its type, start, times, figures and history.
type ChatRow struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	StartType string `json:"startType"`
	// Queue is where the chat was last; Queues every leaf queue it waited in, in order.
	Queue          string    `json:"queue,omitempty"`
	Queues         []string  `json:"queues,omitempty"`
	Agents         []string  `json:"agents,omitempty"` // who held it, in order
	LineOfBusiness string    `json:"lineOfBusiness"`
	Business       string    `json:"business"`
	Consumer       string    `json:"consumer"`
	Language       string    `json:"language,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	QueuedAt       time.Time `json:"queuedAt,omitzero"`
	ConnectedAt    time.Time `json:"connectedAt,omitzero"`
	EndedAt        time.Time `json:"endedAt"`
	// WaitSeconds runs from first queued to first connected (to the end when never answered);
	// HandleSeconds from first connected to the end.
	WaitSeconds          *int64               `json:"waitSeconds,omitempty"`
	HandleSeconds        *int64               `json:"handleSeconds,omitempty"`
	FirstResponseSeconds *int64               `json:"firstResponseSeconds,omitempty"`
	Counts               session.Counts       `json:"messages"`
	Transfers            int                  `json:"transfers"`
	EndReason            string               `json:"endReason,omitempty"`
	Abandoned            bool                 `json:"abandoned"`
	ShortAbandon         bool                 `json:"shortAbandon"`
	Visits               []session.QueueVisit `json:"visits,omitempty"`
	FirstText            string               `json:"firstText,omitempty"`
}

func secondsPtr(d time.Duration) *int64 { n := seconds(d); return &n }

// Chat is the chats report's row of ended chat s; th gives its queues' thresholds.
func Chat(s session.Session, th func(string) Thresholds) ChatRow {
	r := ChatRow{ID: s.ID, Type: s.Type(), StartType: s.StartType, Queue: s.QueueID, LineOfBusiness: s.LineOfBusiness,
		Business: s.Business, Consumer: s.Phone, Language: s.Language, CreatedAt: s.CreatedAt, ConnectedAt: s.ConnectedAt,
		EndedAt: s.EndedAt, Counts: s.Counts, Transfers: s.Transfers, EndReason: s.EndReason, Visits: s.Visits, FirstText: s.FirstText}
	for _, v := range s.Visits {
		if v.How != session.LeftAfterHours {
			if r.QueuedAt.IsZero() {
				r.QueuedAt = v.Entered
			}
			r.Queues = append(r.Queues, v.QueueID)
		}
	}
	for _, l := range s.Legs {
		if len(r.Agents) == 0 || r.Agents[len(r.Agents)-1] != l.AgentID {
			r.Agents = append(r.Agents, l.AgentID)
		}
	}
	if !r.QueuedAt.IsZero() {
		until := s.ConnectedAt
		if until.IsZero() || until.Before(r.QueuedAt) {
			until = s.EndedAt
		}
		if !s.ConnectedAt.IsZero() && s.ConnectedAt.Before(r.QueuedAt) {
			until = time.Time{} // connected before it ever waited (opened for an agent)
		}
		if !until.IsZero() {
			r.WaitSeconds = secondsPtr(until.Sub(r.QueuedAt))
		}
	}
	if !s.ConnectedAt.IsZero() {
		r.HandleSeconds = secondsPtr(s.EndedAt.Sub(s.ConnectedAt))
		if !s.FirstResponseAt.IsZero() {
			r.FirstResponseSeconds = secondsPtr(s.FirstResponseAt.Sub(s.ConnectedAt))
		}
	}
	if n := len(s.Visits); n > 0 {
		if v := s.Visits[n-1]; v.How == session.LeftEnded {
			left := v.Left
			if left.IsZero() {
				left = s.EndedAt
			}
			r.ShortAbandon = left.Sub(v.Entered) < th(v.QueueID).ShortAbandon
			r.Abandoned = !r.ShortAbandon
		}
	}
	return r
}

// ChatHeader is the chats CSV's header row, in the order of Cells.
var ChatHeader = []string{"id", "type", "start type", "queue", "queues", "agents", "line of business", "business number",
	"consumer", "language", "created", "queued", "connected", "ended", "wait s", "handle s", "first response s",
	"consumer messages", "consumer segments", "agent messages", "agent segments", "system messages", "system segments",
	"transfers", "end reason", "abandoned", "short abandon", "first text"}

// Cells are r's cells for the chats CSV, times in loc.
func (r ChatRow) Cells(loc *time.Location) []string {
	t := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.In(loc).Format(time.RFC3339)
	}
	n := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	i := strconv.Itoa
	c := r.Counts
	return []string{r.ID, r.Type, r.StartType, r.Queue, strings.Join(r.Queues, " "), strings.Join(r.Agents, " "), r.LineOfBusiness,
		r.Business, r.Consumer, r.Language, t(r.CreatedAt), t(r.QueuedAt), t(r.ConnectedAt), t(r.EndedAt),
		n(r.WaitSeconds), n(r.HandleSeconds), n(r.FirstResponseSeconds),
		i(c.Consumer.Messages), i(c.Consumer.Segments), i(c.Agent.Messages), i(c.Agent.Segments), i(c.System.Messages), i(c.System.Segments),
		i(r.Transfers), r.EndReason, strconv.FormatBool(r.Abandoned), strconv.FormatBool(r.ShortAbandon), r.FirstText}
}
