package monitor

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

var (
	now = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC) // 10:00 in New York
	ny  = mustZone("America/New_York")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func ago(d time.Duration) time.Time { return now.Add(-d) }

var (
	iris = agent.Agent{ID: "iris", Name: "Iris", Role: config.RoleSupervisor, ServesQueues: []string{"r-billing"}, ServesLines: []string{"retail"}}
	max_ = agent.Agent{ID: "max", Name: "Max", Role: config.RoleAdmin}
	ana  = agent.Agent{ID: "ana", Name: "Ana", Role: config.RoleAgent, ServesQueues: []string{"r-billing", "r-tech"}, ServesLines: []string{"retail"}, Languages: []string{"en"},
		Status: agent.Available, StatusAt: ago(5 * time.Minute), Capacity: 2, ActiveChats: 1}
	wes = agent.Agent{ID: "wes", Name: "Wes", Role: config.RoleAgent, ServesQueues: []string{"w-orders"}, ServesLines: []string{"wholesale"}, Status: agent.Busy, StatusAt: ago(time.Hour), Capacity: 3}
)

var queues = []config.Queue{
	{ID: "r-menu", Name: "Menu", LineOfBusiness: "retail"},
	{ID: "r-billing", Name: "Billing", LineOfBusiness: "retail", Parent: "r-menu"},
	{ID: "r-tech", Name: "Tech", LineOfBusiness: "retail", Parent: "r-menu"},
	{ID: "w-orders", Name: "Orders", LineOfBusiness: "wholesale"},
}

func chat(id, line, queue string, state session.State) session.Session {
	return session.Session{ID: id, LineOfBusiness: line, QueueID: queue, State: state, Business: "+18005550100",
		Phone: "+15551230001", StartType: session.StartInbound, Language: "en", CreatedAt: ago(2 * time.Hour)}
}

func rowIDs(rows []ChatRow) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func TestSupervisorSeesOnlyTheirLines(t *testing.T) {
	rq := chat("r-q", "retail", "r-billing", session.Queued)
	rq.QueuedAt = ago(time.Minute)
	wq := chat("w-q", "wholesale", "w-orders", session.Queued)
	wq.QueuedAt = ago(time.Minute)
	ra := chat("r-a", "retail", "r-tech", session.Assigned)
	ra.AgentID, ra.AssignedAt = "ana", ago(time.Minute)
	wa := chat("w-a", "wholesale", "w-orders", session.Assigned)
	wa.AgentID, wa.AssignedAt = "wes", ago(time.Minute)
	re := chat("r-e", "retail", "r-tech", session.Ended)
	re.EndedAt = ago(time.Minute)
	we := chat("w-e", "wholesale", "w-orders", session.Ended)
	we.EndedAt = ago(time.Minute)
	in := Inputs{Agents: []agent.Agent{ana, wes, iris}, Live: []session.Session{rq, wq, ra, wa}, Ended: []session.Session{re, we}, Queues: queues,
		Numbers: []config.Number{{Number: "+18005550100", LineOfBusiness: "retail"}, {Number: "+18005550199", LineOfBusiness: "wholesale"}},
		Scheduled: []store.Scheduled{
			{ID: "n-retail", Entry: session.Entry{Business: "+18005550100", Phone: "+15551230009", Status: session.StatusScheduled, NotBefore: now.Add(time.Hour)}},
			{ID: "n-wholesale", Entry: session.Entry{Business: "+18005550199", Phone: "+15551230009", Status: session.StatusScheduled, NotBefore: now.Add(time.Hour)}},
		}}

	v := Build(now, ny, iris, in)
	var agents, qs []string
	for _, a := range v.Agents {
		agents = append(agents, a.ID)
	}
	for _, q := range v.Queues {
		qs = append(qs, q.ID)
	}
	if want := []string{"ana", "iris"}; !slices.Equal(agents, want) {
		t.Errorf("supervisor's agents = %v, want %v", agents, want)
	}
	if want := []string{"r-billing", "r-tech"}; !slices.Equal(qs, want) {
		t.Errorf("supervisor's queues = %v, want %v (leaf queues of retail only)", qs, want)
	}
	if got := rowIDs(v.Chats.InProgress); !slices.Equal(got, []string{"r-a"}) {
		t.Errorf("in progress = %v", got)
	}
	if got := rowIDs(v.Chats.Future); !slices.Equal(got, []string{"r-q", "n-retail"}) {
		t.Errorf("future = %v", got)
	}
	if got := rowIDs(v.Chats.Past); !slices.Equal(got, []string{"r-e"}) {
		t.Errorf("past = %v", got)
	}
	if v.Chats.Future[0].Consumer != "+15551230001" {
		t.Errorf("a supervisor sees the number %q, want it in full", v.Chats.Future[0].Consumer)
	}

	all := Build(now, ny, max_, in)
	if len(all.Agents) != 3 || len(all.Queues) != 3 || len(all.Chats.InProgress) != 2 || len(all.Chats.Future) != 4 || len(all.Chats.Past) != 2 {
		t.Errorf("an admin sees %d agents, %d queues, %d/%d/%d chats; want everything (3, 3, 2/4/2)",
			len(all.Agents), len(all.Queues), len(all.Chats.InProgress), len(all.Chats.Future), len(all.Chats.Past))
	}
}

func TestWaitAndHandleTimes(t *testing.T) {
	waiting := chat("waiting", "retail", "r-billing", session.Queued)
	waiting.QueuedAt = ago(90 * time.Second)
	talking := chat("talking", "retail", "r-billing", session.Assigned)
	talking.QueuedAt, talking.AssignedAt, talking.AgentID = ago(10*time.Minute), ago(7*time.Minute), "ana"
	owned := chat("owned", "retail", "r-billing", session.Assigned) // the business opened it for Ana
	owned.StartType, owned.AssignedAt, owned.AgentID = session.StartOutbound, ago(time.Minute), "ana"
	done := chat("done", "retail", "r-billing", session.Ended)
	done.QueuedAt, done.AssignedAt, done.EndedAt, done.AgentID = ago(60*time.Minute), ago(55*time.Minute), ago(40*time.Minute), "ana"
	gaveUp := chat("gave-up", "retail", "r-billing", session.Ended)
	gaveUp.QueuedAt, gaveUp.EndedAt = ago(30*time.Minute), ago(20*time.Minute)
	yesterday := chat("yesterday", "retail", "r-billing", session.Ended)
	yesterday.EndedAt = time.Date(2026, 3, 2, 4, 59, 0, 0, time.UTC) // 23:59 in New York

	v := Build(now, ny, iris, Inputs{Agents: []agent.Agent{ana}, Queues: queues,
		Live: []session.Session{waiting, talking, owned}, Ended: []session.Session{done, gaveUp, yesterday}})
	type times struct{ wait, handle int64 }
	got := map[string]times{}
	for _, r := range slices.Concat(v.Chats.InProgress, v.Chats.Future, v.Chats.Past) {
		tt := times{-1, -1}
		if r.WaitSeconds != nil {
			tt.wait = *r.WaitSeconds
		}
		if r.HandleSeconds != nil {
			tt.handle = *r.HandleSeconds
		}
		got[r.ID] = tt
	}
	want := map[string]times{
		"waiting": {90, -1}, "talking": {180, 420}, "owned": {-1, 60}, "done": {300, 900}, "gave-up": {600, -1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wait and handle seconds (-1: absent) = %v, want %v (yesterday's chat left out)", got, want)
	}
	if !v.Today.Equal(time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)) || v.TimeZone != "America/New_York" {
		t.Errorf("today = %v in %s, want New York's midnight", v.Today, v.TimeZone)
	}
	if q := v.Queues[0]; q.ID != "r-billing" || q.Waiting != 1 || q.LongestWaitSeconds != 90 || q.InProgress != 2 || q.EndedToday != 2 {
		t.Errorf("billing queue = %+v, want 1 waiting 90 s, 2 in progress, 2 ended today", q)
	}
}

func TestAgentRows(t *testing.T) {
	talking := chat("talking", "retail", "r-billing", session.Assigned)
	talking.AgentID, talking.AssignedAt = "ana", ago(time.Minute)
	never := agent.Agent{ID: "new", Name: "Newcomer", ServesLines: []string{"retail"}, Capacity: 3}
	v := Build(now, ny, iris, Inputs{Agents: []agent.Agent{ana, never}, Queues: queues, Live: []session.Session{talking},
		MissedOffers: map[string]int{"ana": 2, "wes": 7}})
	a := v.Agents[0]
	if a.ID != "ana" || a.Status != agent.Available || a.SecondsInStatus == nil || *a.SecondsInStatus != 300 ||
		!slices.Equal(a.Chats, []string{"talking"}) || a.ActiveChats != 1 || a.Capacity != 2 || !a.Free || a.MissedOffersToday != 2 ||
		!slices.Equal(a.Queues, []string{"r-billing", "r-tech"}) || !slices.Equal(a.Languages, []string{"en"}) {
		t.Errorf("Ana's row = %+v, want available for 300 s, 1 of 2 chats (talking), free, 2 missed offers", a)
	}
	n := v.Agents[1]
	if n.Status != agent.Offline || n.SecondsInStatus != nil || n.Role != config.RoleAgent || n.Chats == nil || n.MissedOffersToday != 0 {
		t.Errorf("a never seen agent's row = %+v, want offline, no time in status", n)
	}
}

func TestEligibleAgents(t *testing.T) {
	q := []config.Queue{{ID: "q", Name: "Q", LineOfBusiness: "retail"}}
	serving := func(id, status string, active, capacity int, queues ...string) agent.Agent {
		return agent.Agent{ID: id, ServesQueues: queues, ServesLines: []string{"retail"}, Status: status, ActiveChats: active, Capacity: capacity}
	}
	disabled := serving("gone", agent.Available, 0, 2, "q")
	disabled.Disabled = true
	v := Build(now, ny, max_, Inputs{Queues: q, Agents: []agent.Agent{
		serving("free", agent.Available, 1, 2, "q"),
		serving("full", agent.Available, 2, 2, "q"),
		serving("busy", agent.Busy, 0, 2, "q"),
		serving("away", agent.Away, 0, 2, "q"),
		serving("elsewhere", agent.Available, 0, 2, "other"),
		disabled,
	}})
	if r := v.Queues[0]; r.AgentsServing != 5 || r.AgentsAvailable != 2 || r.AgentsEligible != 1 {
		t.Errorf("queue q: %d serving, %d available, %d eligible; want 5, 2, 1 (the disabled agent only serving)", r.AgentsServing, r.AgentsAvailable, r.AgentsEligible)
	}
	for _, a := range v.Agents {
		if a.Disabled != (a.ID == "gone") {
			t.Errorf("agent %s shown disabled %v", a.ID, a.Disabled)
		}
	}
}

func TestBreakdownByType(t *testing.T) {
	in1 := chat("in1", "retail", "r-tech", session.Queued)
	out1 := chat("out1", "retail", "r-tech", session.Queued)
	out1.StartType = session.StartOutbound
	out2 := chat("out2", "retail", "r-tech", session.Assigned)
	out2.StartType, out2.AgentID = session.StartOutbound, "ana"
	manual := chat("manual", "retail", "r-tech", session.Ended) // a consumer's chat answered by hand
	manual.StartType, manual.EndedAt = "manual_answer", ago(time.Minute)
	in2 := chat("in2", "retail", "r-tech", session.Ended)
	in2.EndedAt = ago(2 * time.Minute)
	v := Build(now, ny, iris, Inputs{Queues: queues, Live: []session.Session{in1, out1, out2}, Ended: []session.Session{manual, in2}})
	want := map[string]TypeCounts{TypeSMS: {Waiting: 1, EndedToday: 2}, TypeOutboundSMS: {Waiting: 1, InProgress: 1}}
	if got := v.Queues[1].ByType; v.Queues[1].ID != "r-tech" || !reflect.DeepEqual(got, want) {
		t.Errorf("tech by type = %+v, want %+v", got, want)
	}
	if got := v.Queues[0].ByType; !reflect.DeepEqual(got, map[string]TypeCounts{TypeSMS: {}, TypeOutboundSMS: {}}) {
		t.Errorf("an empty queue's breakdown = %+v, want both types at zero", got)
	}
	for _, r := range v.Chats.Past {
		if r.ID == "manual" && (r.StartType != "manual_answer" || r.Type != TypeSMS) {
			t.Errorf("manual answer chat: start type %q, type %q", r.StartType, r.Type)
		}
	}
}

func TestFutureOrder(t *testing.T) {
	menu := chat("menu", "retail", "r-menu", session.InMenu)
	late := chat("late", "retail", "r-billing", session.Queued)
	late.QueuedAt = ago(time.Minute)
	early := chat("early", "retail", "r-tech", session.Queued)
	early.QueuedAt = ago(3 * time.Minute)
	entry := func(status string, in time.Duration) session.Entry {
		return session.Entry{Business: "+18005550100", Phone: "+15551230009", Status: status, NotBefore: now.Add(in), Notification: true}
	}
	v := Build(now, ny, iris, Inputs{Queues: queues, Live: []session.Session{menu, late, early},
		Numbers: []config.Number{{Number: "+18005550100", LineOfBusiness: "retail"}},
		Scheduled: []store.Scheduled{
			{ID: "later", Entry: entry(session.StatusScheduled, 2*time.Hour)},
			{ID: "sooner", Entry: entry(session.StatusPending, time.Hour)},
			{ID: "sent", Entry: entry("sent", time.Hour)},
		}, ScheduledTruncated: true})
	if got := rowIDs(v.Chats.Future); !slices.Equal(got, []string{"early", "late", "menu", "sooner", "later"}) {
		t.Errorf("future = %v, want queued (longest waiting first), in a menu, then scheduled (soonest first)", got)
	}
	s := v.Chats.Future[3]
	if s.State != StateScheduled || s.Type != TypeOutboundSMS || !s.ScheduledFor.Equal(now.Add(time.Hour)) || s.LineOfBusiness != "retail" {
		t.Errorf("scheduled row = %+v", s)
	}
	if !v.Chats.FutureTruncated {
		t.Error("the view does not say that more messages are scheduled")
	}
}

func TestPastFilters(t *testing.T) {
	a := chat("a", "retail", "r-billing", session.Ended)
	a.AgentID, a.HeldBy, a.EndedAt = "ana", []string{"ana"}, ago(time.Minute)
	b := chat("b", "retail", "r-tech", session.Ended) // Ana transferred it to Luis
	b.AgentID, b.HeldBy, b.EndedAt = "luis", []string{"ana", "luis"}, ago(2*time.Minute)
	c := chat("c", "retail", "r-tech", session.Ended)
	c.StartType, c.EndedAt = session.StartOutbound, ago(3*time.Minute)
	in := Inputs{Agents: []agent.Agent{ana, {ID: "luis", ServesLines: []string{"retail"}}, wes}, Queues: queues, Ended: []session.Session{a, b, c}}
	for _, tc := range []struct {
		f    Filter
		want []string
	}{
		{Filter{}, []string{"a", "b", "c"}},
		{Filter{Queue: "r-tech"}, []string{"b", "c"}},
		{Filter{Agent: "ana"}, []string{"a", "b"}},
		{Filter{StartType: session.StartOutbound}, []string{"c"}},
		{Filter{Queue: "r-tech", StartType: session.StartInbound}, []string{"b"}},
		{Filter{StartType: "manual_answer"}, []string{}},
	} {
		in.Filter = tc.f
		if err := tc.f.Check(iris, in); err != nil {
			t.Errorf("%+v: %v", tc.f, err)
		}
		if got := rowIDs(Build(now, ny, iris, in).Chats.Past); !slices.Equal(got, tc.want) {
			t.Errorf("past with %+v = %v, want %v", tc.f, got, tc.want)
		}
	}
	for _, tc := range []struct {
		f     Filter
		param string
	}{
		{Filter{Queue: "w-orders"}, "queue"}, // another line's
		{Filter{Queue: "nope"}, "queue"},
		{Filter{Queue: "a/b"}, "queue"},
		{Filter{Agent: "wes"}, "agent"}, // another line's
		{Filter{Agent: "nobody"}, "agent"},
		{Filter{StartType: "carrier_pigeon"}, "startType"},
	} {
		err := tc.f.Check(iris, in)
		fe, ok := err.(*FilterError)
		if !ok || fe.Param != tc.param {
			t.Errorf("%+v: %v, want a FilterError on %s", tc.f, err, tc.param)
		}
	}
	if err := (Filter{Queue: "w-orders", Agent: "wes"}).Check(max_, in); err != nil {
		t.Errorf("an admin filtering on any line: %v", err)
	}
}

func TestLocation(t *testing.T) {
	numbers := []config.Number{
		{Number: "+18005550200", LineOfBusiness: "retail", TimeZone: "America/Chicago"},
		{Number: "+18005550100", LineOfBusiness: "retail"},
		{Number: "+18005550300", LineOfBusiness: "wholesale", TimeZone: "America/Los_Angeles"},
	}
	for _, tc := range []struct {
		lines []string
		want  string
	}{
		{[]string{"retail"}, "America/Chicago"},
		{[]string{"wholesale"}, "America/Los_Angeles"},
		{nil, "America/Chicago"},
		{[]string{"other"}, "America/New_York"},
	} {
		if got := Location(numbers, tc.lines).String(); got != tc.want {
			t.Errorf("Location for %v = %s, want %s", tc.lines, got, tc.want)
		}
	}
}
