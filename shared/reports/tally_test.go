package reports

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/session"
)

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func at(h, m, s int) time.Time {
	return t0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

func visit(q string, in, out time.Time, how, agent string) session.QueueVisit {
	return session.QueueVisit{QueueID: q, Entered: in, Left: out, How: how, AgentID: agent}
}

func leg(a string, start, end time.Time, by, out string) session.AgentLeg {
	return session.AgentLeg{AgentID: a, Start: start, End: end, By: by, Out: out}
}

// scenarios are the chats of the issue with known answers.
func scenarios() []session.Session {
	end := func(id string, ended time.Time, vs []session.QueueVisit, ls []session.AgentLeg) session.Session {
		s := session.Session{ID: id, LineOfBusiness: "shop", StartType: session.StartAutoAnswer, State: session.Ended, EndedAt: ended, Visits: vs, Legs: ls}
		if len(ls) > 0 {
			s.ConnectedAt = ls[0].Start
		}
		return s
	}
	abandoned := end("abandoned", at(10, 2, 0), []session.QueueVisit{visit("billing", at(10, 0, 0), at(10, 2, 0), session.LeftEnded, "")}, nil)
	short := end("short", at(10, 5, 5), []session.QueueVisit{visit("billing", at(10, 5, 0), at(10, 5, 5), session.LeftEnded, "")}, nil)
	overflow := end("overflow", at(10, 20, 0), []session.QueueVisit{
		visit("billing", at(10, 10, 0), at(10, 11, 0), session.LeftOverflowed, ""),
		visit("tech", at(10, 11, 0), at(10, 11, 30), session.LeftAnswered, "ana")},
		[]session.AgentLeg{leg("ana", at(10, 11, 30), at(10, 20, 0), session.LegAnswered, session.LegEnded)})
	overflow.FirstResponseAt = at(10, 11, 50)
	transfer := end("transfer", at(11, 10, 0), []session.QueueVisit{
		visit("billing", at(11, 0, 0), at(11, 0, 30), session.LeftAnswered, "ana"),
		visit("tech", at(11, 5, 0), at(11, 7, 0), session.LeftAnswered, "luis")},
		[]session.AgentLeg{leg("ana", at(11, 0, 30), at(11, 5, 0), session.LegAnswered, session.LegTransferred),
			leg("luis", at(11, 7, 0), at(11, 10, 0), session.LegAnswered, session.LegEnded)})
	transfer.FirstResponseAt = at(11, 0, 40)
	outbound := end("outbound", at(12, 5, 0), nil, []session.AgentLeg{leg("ana", at(12, 0, 0), at(12, 5, 0), session.LegOpened, session.LegEnded)})
	outbound.StartType = session.StartOutbound
	outbound.Counts.Agent = session.Traffic{Messages: 2, Segments: 3}
	outbound.Counts.Consumer = session.Traffic{Messages: 1, Segments: 1}
	manual := end("manual", at(13, 10, 0), []session.QueueVisit{visit("billing", at(13, 0, 0), at(13, 1, 0), session.LeftAnswered, "luis")},
		[]session.AgentLeg{leg("luis", at(13, 1, 0), at(13, 10, 0), session.LegAnswered, session.LegEnded)})
	manual.StartType = session.StartManualAnswer
	manual.Counts.System = session.Traffic{Messages: 3, Segments: 4}
	return []session.Session{abandoned, short, overflow, transfer, outbound, manual}
}

func defaults(string) Thresholds { return Thresholds{DefaultShortAbandon, DefaultServiceLevel} }

func tallyAll(chats []session.Session) Counts {
	c := Counts{}
	for _, s := range chats {
		c.Merge(Tally(s, defaults))
	}
	c.Merge(Missed("luis", at(13, 0, 30))) // luis let the manual chat's first offer lapse
	return c
}

func near(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }

// TestQueueFiguresOfTheIssuesScenarios: offered in every queue a chat visited, handled where
// answered, abandoned apart from short abandons, the abandon rate and service level.
func TestQueueFiguresOfTheIssuesScenarios(t *testing.T) {
	p := Period{From: t0, To: t0.Add(24 * time.Hour), Loc: time.UTC, Grain: Day}
	rows := Queues(p, []string{"billing", "tech"}, tallyAll(scenarios()).Rollups())
	b, tech := rows[0].Total, rows[1].Total
	if b.Offered != 5 || b.Handled != 2 || b.Abandoned != 1 || b.ShortAbandoned != 1 || b.Overflowed != 1 || b.MaxWait != 120 {
		t.Errorf("billing %+v: want offered 5, handled 2, abandoned 1, short 1, overflowed 1, longest wait 120 s", b)
	}
	if !near(b.AbandonRate, 1.0/3) || !near(b.ServiceLevel, 0.5) || !near(b.AvgWait, 67.5) {
		t.Errorf("billing abandon rate %v, service level %v, average wait %v; want 1/3, 2/4, 67.5 s", *b.AbandonRate, *b.ServiceLevel, *b.AvgWait)
	}
	if tech.Offered != 2 || tech.Handled != 2 || !near(tech.ServiceLevel, 0.5) || !near(tech.AvgWait, 75) || tech.AbandonRate == nil || *tech.AbandonRate != 0 {
		t.Errorf("tech %+v: want 2 offered and handled, service level 1/2, average wait 75 s, abandon rate 0", tech)
	}
}

// TestAgentAndTypeFiguresOfTheIssuesScenarios: chats answered (outbound chats opened for an
// agent included), handle and first response averages, transfers, the missed offer, and
// chats and segments by type.
func TestAgentAndTypeFiguresOfTheIssuesScenarios(t *testing.T) {
	p := Period{From: t0, To: t0.Add(24 * time.Hour), Loc: time.UTC, Grain: Day}
	rs := tallyAll(scenarios()).Rollups()
	rows := Agents(p, []string{"ana", "luis"}, rs)
	ana, luis := rows[0].Total, rows[1].Total
	// ana: 8.5 min (overflow) + 4.5 min (transfer) + 5 min (outbound) = 1080 s over 3
	if ana.Answered != 3 || ana.TransfersOut != 1 || !near(ana.AvgHandle, 360) || !near(ana.AvgFirstResponse, 15) {
		t.Errorf("ana %+v: want 3 answered, 1 transfer out, 360 s handle, 15 s first response", ana)
	}
	if luis.Answered != 2 || luis.MissedOffers != 1 || !near(luis.AvgHandle, 360) || luis.AvgFirstResponse != nil {
		t.Errorf("luis %+v: want 2 answered, 1 missed offer, 360 s handle, no first response", luis)
	}
	teams := Teams(p, []Team{{ID: "t", Members: []string{"ana", "luis"}}}, rs)
	if tt := teams[0].Total; tt.Answered != 5 || !near(tt.AnsweredPerMember, 2.5) || !near(tt.AvgHandle, 360) {
		t.Errorf("team %+v: want 5 answered, 2.5 per member, 360 s handle", tt)
	}
	_, total := Types(p, []string{"shop"}, rs)
	if total.Total.Chats != 6 || total.Inbound.Chats != 5 || total.Outbound.Chats != 1 || total.Outbound.SentSegments != 3 ||
		total.Total.SentMessages != 5 || total.Total.SentSegments != 7 || total.Outbound.ConsumerMessages != 1 {
		t.Errorf("types %+v: want 6 chats (5 inbound, 1 outbound), 5 texts sent in 7 segments", total)
	}
}

// TestChatsCountInTheLocalDayTheyEnded: around midnight and the spring DST change in New
// York, a chat counts in the local day (of 24 or 23 hours) of the hour it ended, whatever its
// UTC day.
func TestChatsCountInTheLocalDayTheyEnded(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	p, err := ParsePeriod("2026-03-07", "2026-03-08", "America/New_York", "day")
	if err != nil {
		t.Fatal(err)
	}
	c := Counts{}
	for _, ended := range []time.Time{
		time.Date(2026, 3, 7, 0, 10, 0, 0, ny),  // just after local midnight: Mar 7
		time.Date(2026, 3, 7, 23, 30, 0, 0, ny), // 04:30 UTC on Mar 8: still Mar 7
		time.Date(2026, 3, 8, 3, 15, 0, 0, ny),  // just after the clocks went forward: Mar 8
		time.Date(2026, 3, 8, 23, 30, 0, 0, ny), // the 23-hour day's last hour: Mar 8
		time.Date(2026, 3, 9, 0, 30, 0, 0, ny),  // outside the period
		time.Date(2026, 3, 6, 23, 59, 0, 0, ny), // outside the period
	} {
		s := session.Session{ID: "x", State: session.Ended, EndedAt: ended,
			Visits: []session.QueueVisit{visit("billing", ended.Add(-time.Minute), ended, session.LeftEnded, "")}}
		c.Merge(Tally(s, defaults))
	}
	rows := Queues(p, []string{"billing"}, c.Rollups())
	if len(rows[0].Buckets) != 2 {
		t.Fatalf("buckets %d, want 2 local days", len(rows[0].Buckets))
	}
	if got := []int64{rows[0].Buckets[0].Abandoned, rows[0].Buckets[1].Abandoned, rows[0].Total.Abandoned}; got[0] != 2 || got[1] != 2 || got[2] != 4 {
		t.Errorf("abandoned by day %v, want [2 2 4]", got)
	}
	if d := rows[0].Buckets[1].Start.Sub(*rows[0].Buckets[0].Start); d != 24*time.Hour {
		t.Errorf("second day starts %v after the first, want 24h", d)
	}
}

// TestStatusTimeSplitsAcrossHours: 90 minutes available from 09:45 are 15, 60 and 15 minutes
// in three hours.
func TestStatusTimeSplitsAcrossHours(t *testing.T) {
	c := StatusTime("ana", "available", at(9, 45, 0), at(11, 15, 0))
	doc := c[RollupID(KindAgent, "ana", t0)]
	if doc["h.09.status_available"] != 900 || doc["h.10.status_available"] != 3600 || doc["h.11.status_available"] != 900 {
		t.Errorf("status seconds %v, want 900, 3600, 900", doc)
	}
}

// TestDiffNamesTheCountersThatDisagree: a recount equal to the rollups lists nothing; one
// counter off, or one the chats never gave, is named; missed offers are not recounted.
func TestDiffNamesTheCountersThatDisagree(t *testing.T) {
	all := func(Rollup) bool { return true }
	want := tallyAll(scenarios()).Rollups()
	if d := Diff(want, tallyAll(scenarios()).Rollups(), all); len(d) != 0 {
		t.Fatalf("equal rollups differ: %q", d)
	}
	stored := tallyAll(scenarios())
	stored.Merge(Tally(scenarios()[0], defaults)) // the abandoned chat counted twice
	d := Diff(want, stored.Rollups(), all)
	if len(d) != 5 || !strings.Contains(strings.Join(d, "\n"), "q_billing_20260302 h.10.abandoned: recount 1, rollups 2") {
		t.Errorf("diff %q: want the abandoned chat's 5 counters (offered, abandoned, waits, wait seconds, its line's chats) named", d)
	}
}
