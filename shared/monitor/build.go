package monitor

import (
	"cmp"
	"slices"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/agentview"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/desk"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Inputs are the state a view is built from, as loaded.
type Inputs struct {
	Agents []agent.Agent
	// Live are the chats not ended; Ended those that ended today, the most recent first.
	Live  []session.Session
	Ended []session.Session
	// EndedTruncated says more chats ended today than Ended holds.
	EndedTruncated bool
	// Scheduled are stand-alone messages due later; ScheduledTruncated says there are more.
	Scheduled          []store.Scheduled
	ScheduledTruncated bool
	// MissedOffers counts today's missed offers per agent id.
	MissedOffers map[string]int
	Queues       []config.Queue
	// Numbers place scheduled messages in their line of business.
	Numbers []config.Number
	// Filter selects the past chats shown.
	Filter Filter
}

// SeesAgent reports whether viewer sees agent a in monitoring: an admin every agent, a
// supervisor those serving a queue of their lines.
func SeesAgent(viewer, a agent.Agent) bool {
	if viewer.Role == config.RoleAdmin {
		return true
	}
	return viewer.Role == config.RoleSupervisor && slices.ContainsFunc(a.ServesLines, func(l string) bool { return contains(viewer.ServesLines, l) })
}

// SeesLine reports whether viewer sees the queues and chats of line of business line.
func SeesLine(viewer agent.Agent, line string) bool {
	return viewer.Role == config.RoleAdmin || (viewer.Role == config.RoleSupervisor && line != "" && contains(viewer.ServesLines, line))
}

// Build decides the view viewer has of the state in at now; today starts at midnight in loc.
// The chats shown are those viewer may read (desk.CanRead).
func Build(now time.Time, loc *time.Location, viewer agent.Agent, in Inputs) View {
	today := Midnight(now, loc)
	v := View{At: now, Today: today, TimeZone: loc.String(), Filter: in.Filter,
		Agents: []AgentRow{}, Queues: []QueueRow{},
		Chats: Chats{InProgress: []ChatRow{}, Future: []ChatRow{}, Past: []ChatRow{}, PastTruncated: in.EndedTruncated, FutureTruncated: in.ScheduledTruncated}}
	names := map[string]string{}
	for _, a := range in.Agents {
		names[a.ID] = a.Name
	}
	queueNames := map[string]string{}
	for _, q := range in.Queues {
		queueNames[q.ID] = q.Name
	}
	row := func(s session.Session) ChatRow {
		r := ChatRow{ID: s.ID, State: string(s.State), Type: TypeOf(s.StartType), StartType: s.StartType,
			Queue: s.QueueID, QueueName: queueNames[s.QueueID], LineOfBusiness: s.LineOfBusiness,
			Business: s.Business, Consumer: agentview.Phone(viewer, s.Phone), Language: s.Language,
			Agent: s.AgentID, AgentName: names[s.AgentID], CreatedAt: s.CreatedAt, QueuedAt: s.QueuedAt,
			AssignedAt: s.AssignedAt, EndedAt: s.EndedAt, EndReason: s.EndReason}
		if d, ok := Wait(s, now); ok {
			r.WaitSeconds = seconds(d)
		}
		if d, ok := Handle(s, now); ok {
			r.HandleSeconds = seconds(d)
		}
		return r
	}

	// A chat that ended between the two reads is in both: its end wins.
	ended := map[string]bool{}
	var past []session.Session
	for _, s := range in.Ended {
		if s.State == session.Ended && !s.EndedAt.Before(today) && desk.CanRead(viewer, s) {
			ended[s.ID] = true
			past = append(past, s)
		}
	}
	var live []session.Session
	held := map[string][]string{}
	for _, s := range in.Live {
		if ended[s.ID] || s.State == session.Ended || !desk.CanRead(viewer, s) {
			continue
		}
		live = append(live, s)
		if s.State == session.Assigned {
			held[s.AgentID] = append(held[s.AgentID], s.ID)
		}
	}

	for _, s := range live {
		if s.State == session.Assigned {
			v.Chats.InProgress = append(v.Chats.InProgress, row(s))
		} else {
			v.Chats.Future = append(v.Chats.Future, row(s))
		}
	}
	slices.SortStableFunc(v.Chats.InProgress, func(a, b ChatRow) int { return cmp.Or(a.AssignedAt.Compare(b.AssignedAt), cmp.Compare(a.ID, b.ID)) })
	waitingSince := func(r ChatRow) time.Time {
		if r.State == string(session.Queued) {
			return r.QueuedAt
		}
		return r.CreatedAt
	}
	// Queued chats first (they wait for an agent), then chats still in a menu.
	slices.SortStableFunc(v.Chats.Future, func(a, b ChatRow) int {
		aq, bq := a.State == string(session.Queued), b.State == string(session.Queued)
		if aq != bq {
			if aq {
				return -1
			}
			return 1
		}
		return cmp.Or(waitingSince(a).Compare(waitingSince(b)), cmp.Compare(a.ID, b.ID))
	})
	v.Chats.Future = append(v.Chats.Future, scheduledRows(now, viewer, in)...)
	for _, s := range past {
		if in.Filter.matches(s) {
			v.Chats.Past = append(v.Chats.Past, row(s))
		}
	}
	slices.SortStableFunc(v.Chats.Past, func(a, b ChatRow) int { return cmp.Or(b.EndedAt.Compare(a.EndedAt), cmp.Compare(a.ID, b.ID)) })

	for _, a := range in.Agents {
		if SeesAgent(viewer, a) {
			v.Agents = append(v.Agents, agentRow(now, a, held[a.ID], in.MissedOffers[a.ID]))
		}
	}
	slices.SortFunc(v.Agents, func(a, b AgentRow) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	v.Queues = queueRows(now, viewer, in, live, past)
	return v
}

func agentRow(now time.Time, a agent.Agent, chats []string, missed int) AgentRow {
	self := agentview.Self(a) // an agent never seen online is offline
	r := AgentRow{ID: a.ID, Name: a.Name, Role: a.Role, Status: self.Status, StatusAt: a.StatusAt,
		ActiveChats: a.ActiveChats, Capacity: a.Capacity, Free: a.Free(), Disabled: a.Disabled, Chats: chats,
		Queues: a.ServesQueues, Languages: a.Languages, MissedOffersToday: missed}
	if r.Role == "" {
		r.Role = config.RoleAgent
	}
	if !a.StatusAt.IsZero() {
		r.SecondsInStatus = seconds(nonNegative(now.Sub(a.StatusAt)))
	}
	if r.Chats == nil {
		r.Chats = []string{}
	}
	if r.Queues == nil {
		r.Queues = []string{}
	}
	if r.Languages == nil {
		r.Languages = []string{}
	}
	return r
}

// scheduledRows are the messages due after now on the viewer's lines, the soonest first.
func scheduledRows(now time.Time, viewer agent.Agent, in Inputs) []ChatRow {
	lineOf := map[string]string{}
	for _, n := range in.Numbers {
		lineOf[n.Number] = n.LineOfBusiness
	}
	var out []ChatRow
	for _, m := range in.Scheduled {
		e := m.Entry
		waiting := e.Status == session.StatusScheduled || e.Status == session.StatusPending
		if !waiting || !e.NotBefore.After(now) || !SeesLine(viewer, lineOf[e.Business]) {
			continue
		}
		out = append(out, ChatRow{ID: m.ID, State: StateScheduled, Type: TypeOutboundSMS, StartType: session.StartOutbound,
			LineOfBusiness: lineOf[e.Business], Business: e.Business, Consumer: agentview.Phone(viewer, e.Phone),
			CreatedAt: e.At, ScheduledFor: e.NotBefore})
	}
	slices.SortStableFunc(out, func(a, b ChatRow) int { return cmp.Or(a.ScheduledFor.Compare(b.ScheduledFor), cmp.Compare(a.ID, b.ID)) })
	return out
}

// queueRows are the viewer's queues that hold chats, by line of business and id.
func queueRows(now time.Time, viewer agent.Agent, in Inputs, live, past []session.Session) []QueueRow {
	parents := map[string]bool{}
	for _, q := range in.Queues {
		if q.Parent != "" {
			parents[q.Parent] = true
		}
	}
	rows := map[string]*QueueRow{}
	var out []QueueRow
	for _, q := range in.Queues {
		if parents[q.ID] || !SeesLine(viewer, q.LineOfBusiness) {
			continue
		}
		r := QueueRow{ID: q.ID, Name: q.Name, LineOfBusiness: q.LineOfBusiness,
			ByType: map[string]TypeCounts{TypeSMS: {}, TypeOutboundSMS: {}}}
		for _, a := range in.Agents {
			if a.Serves(q.ID) {
				r.AgentsServing++
				if a.Status == agent.Available && !a.Disabled {
					r.AgentsAvailable++
				}
				if routing.Eligible(a, q.ID) {
					r.AgentsEligible++
				}
			}
		}
		out = append(out, r)
	}
	for i := range out {
		rows[out[i].ID] = &out[i]
	}
	count := func(s session.Session, f func(r *QueueRow, t *TypeCounts)) {
		r := rows[s.QueueID]
		if r == nil {
			return
		}
		t := r.ByType[TypeOf(s.StartType)]
		f(r, &t)
		r.ByType[TypeOf(s.StartType)] = t
	}
	for _, s := range live {
		switch s.State {
		case session.Queued:
			count(s, func(r *QueueRow, t *TypeCounts) {
				r.Waiting++
				t.Waiting++
				if d, ok := Wait(s, now); ok {
					r.LongestWaitSeconds = max(r.LongestWaitSeconds, int64(d/time.Second))
				}
			})
		case session.Assigned:
			count(s, func(r *QueueRow, t *TypeCounts) { r.InProgress++; t.InProgress++ })
		}
	}
	for _, s := range past {
		count(s, func(r *QueueRow, t *TypeCounts) { r.EndedToday++; t.EndedToday++ })
	}
	slices.SortFunc(out, func(a, b QueueRow) int {
		return cmp.Or(cmp.Compare(a.LineOfBusiness, b.LineOfBusiness), cmp.Compare(a.ID, b.ID))
	})
	return out
}
