package reporting

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/reports"
)

// WriteCSV writes report kind over p for viewer to w as CSV: first the period, then a header
// and a row per owner and bucket (its total last, bucket "total"); the chats report streams
// a row per chat.
func (sv *Service) WriteCSV(ctx context.Context, viewer agent.Agent, kind string, p reports.Period, w io.Writer) error {
	if kind == Chats {
		if _, err := sv.scope(ctx, viewer, false); err != nil {
			return err // refuse before writing anything
		}
		c, err := reports.NewCSV(w, "chats report", p)
		if err != nil {
			return err
		}
		if err := c.Row(reports.ChatHeader...); err != nil {
			return err
		}
		if err := sv.EachChat(ctx, viewer, p, func(r reports.ChatRow) error { return c.Row(r.Cells(p.Loc)...) }); err != nil {
			return err
		}
		return c.Close()
	}
	rep, err := sv.Report(ctx, viewer, kind, p)
	if err != nil {
		return err
	}
	c, err := reports.NewCSV(w, kind+" report", p)
	if err != nil {
		return err
	}
	when := func(t *time.Time) string {
		if t == nil {
			return "total"
		}
		return t.Format(time.RFC3339)
	}
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	f := func(x *float64) string {
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', 3, 64)
	}
	var rows [][]string
	switch kind {
	case Queues:
		rows = append(rows, []string{"queue", "name", "from", "offered", "handled", "abandoned", "short abandons", "abandon rate",
			"average wait s", "longest wait s", "service level", "overflowed", "after hours"})
		for _, r := range rep.Rows.([]reports.Row[reports.QueueFigures]) {
			for _, b := range append(r.Buckets, r.Total) {
				rows = append(rows, []string{r.ID, rep.Names[r.ID], when(b.Start), i(b.Offered), i(b.Handled), i(b.Abandoned), i(b.ShortAbandoned),
					f(b.AbandonRate), f(b.AvgWait), i(b.MaxWait), f(b.ServiceLevel), i(b.Overflowed), i(b.AfterHours)})
			}
		}
	case Agents:
		rows = append(rows, agentHeader("agent"))
		for _, r := range rep.Rows.([]reports.Row[reports.AgentFigures]) {
			for _, b := range append(r.Buckets, r.Total) {
				rows = append(rows, agentCells(r.ID, rep.Names[r.ID], when(b.Start), b, f, i))
			}
		}
	case Teams:
		rows = append(rows, append(agentHeader("team"), "answered per member"))
		for _, r := range rep.Rows.([]reports.TeamRow) {
			for _, b := range append(r.Buckets, r.Total) {
				rows = append(rows, append(agentCells(r.ID, rep.Names[r.ID], when(b.Start), b.AgentFigures, f, i), f(b.AnsweredPerMember)))
			}
		}
	case Types:
		// One row per type and bucket: chats by type, then the texts outside chats, every text
		// the carrier took, and the blocked numbers' drops, each with only its own columns.
		rows = append(rows, []string{"from", "type", "chats", "consumer messages", "consumer segments", "texts sent", "segments sent",
			"dropped calls", "dropped texts"})
		for _, b := range append(rep.Buckets, *rep.Total) {
			from := when(b.Start)
			for _, t := range []struct {
				name string
				f    reports.TypeFigures
			}{{"total", b.Total}, {"inbound", b.Inbound}, {"outbound", b.Outbound}} {
				rows = append(rows, []string{from, t.name, i(t.f.Chats), i(t.f.ConsumerMessages), i(t.f.ConsumerSegments), i(t.f.SentMessages), i(t.f.SentSegments), "", ""})
			}
			for _, t := range []struct {
				name string
				f    reports.TextFigures
			}{{"one-way", b.OneWay}, {"bulk", b.Bulk}, {"all sent", b.AllSent}} {
				rows = append(rows, []string{from, t.name, "", "", "", i(t.f.Texts), i(t.f.Segments), "", ""})
			}
			rows = append(rows, []string{from, "blocked", "", "", "", "", "", i(b.Blocked.Calls), i(b.Blocked.Texts)})
		}
	}
	for _, r := range rows {
		if err := c.Row(r...); err != nil {
			return err
		}
	}
	return c.Close()
}

// statuses are the agent statuses whose time the agents report shows.
var statuses = []string{agent.Available, agent.Busy, agent.Away, agent.Offline}

func agentHeader(owner string) []string {
	h := []string{owner, "name", "from", "answered", "average handle s", "average first response s", "transfers out", "transfers in", "missed offers"}
	for _, s := range statuses {
		h = append(h, s+" s")
	}
	return h
}

func agentCells(id, name, from string, b reports.AgentFigures, f func(*float64) string, i func(int64) string) []string {
	cells := []string{id, name, from, i(b.Answered), f(b.AvgHandle), f(b.AvgFirstResponse), i(b.TransfersOut), i(b.TransfersIn), i(b.MissedOffers)}
	for _, s := range statuses {
		cells = append(cells, i(b.StatusSeconds[s]))
	}
	return cells
}
