package localrun_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reporting"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
)

type queueBucketsJSON struct {
	ID      string
	Buckets []reports.QueueFigures
	Total   reports.QueueFigures
}

// TestReportsCountAnOverflowInBothQueues: a chat waits past Main's 1 s queue wait, overflows
// to the Overflow desk and Olga answers it there: both queues count it offered, Main counts
// it overflowed (not abandoned, not handled), the Overflow desk handled, in JSON and CSV.
func TestReportsCountAnOverflowInBothQueues(t *testing.T) {
	number, p, olga := timerFixture(t, config.Timeouts{QueueWait: "1s"})
	sam := "token-" + p + "-sam"
	ctx := testCtx(t)
	start := time.Now().UTC().Truncate(time.Hour)
	api(t, olga, "PUT", "/status", map[string]string{"status": "available"}, nil)
	phone := consumerPhone()
	text(t, phone, number, "hi")
	text(t, phone, number, "1")
	expectSMS(t, ctx, phone, 5, "You're now chatting with Olga")
	id := waitChats(t, ctx, olga, func(cs []chatJSON) bool { return len(cs) == 1 })[0].ID
	if code := api(t, olga, "POST", "/chats/"+id+"/end", nil, nil); code != http.StatusOK {
		t.Fatalf("end = %d", code)
	}
	waitIdle(t)

	params := url.Values{"from": {start.Format(time.RFC3339)}, "to": {time.Now().UTC().Add(time.Hour).Format(time.RFC3339)}, "grain": {"hour"}}
	var qs struct{ Rows []queueBucketsJSON }
	if code := reportGET(t, sam, "queues", params, &qs); code != http.StatusOK {
		t.Fatalf("queues report = %d", code)
	}
	got := map[string]reports.QueueFigures{}
	for _, r := range qs.Rows {
		got[r.ID] = r.Total
	}
	if q := got[p+"-q"]; q.Offered != 1 || q.Overflowed != 1 || q.Handled != 0 || q.Abandoned != 0 || q.ShortAbandoned != 0 || q.MaxWait < 1 {
		t.Errorf("Main %+v: want offered 1, overflowed 1 after waiting its 1 s, neither handled nor abandoned", q)
	}
	if ov := got[p+"-ov"]; ov.Offered != 1 || ov.Handled != 1 || ov.Overflowed != 0 || ov.ServiceLevel == nil || *ov.ServiceLevel != 1 {
		t.Errorf("Overflow desk %+v: want offered and handled 1, within the service level", ov)
	}
	var as struct{ Rows []agentRowJSON }
	reportGET(t, sam, "agents", params, &as)
	for _, r := range as.Rows {
		if r.ID == p+"-olga" && r.Total.Answered != 1 {
			t.Errorf("Olga answered %d, want 1", r.Total.Answered)
		}
	}
	recs := reportCSV(t, ctx, sam, "queues", params)
	// queue, name, from, offered, handled, abandoned, short abandons, abandon rate, average
	// wait, longest wait, service level, overflowed, after hours
	if r := csvRow(recs, p+"-q", "Main", "total"); r == nil || r[3] != "1" || r[4] != "0" || r[5] != "0" || r[11] != "1" {
		t.Errorf("Main's CSV total %q: want offered 1, handled 0, abandoned 0, overflowed 1", r)
	}
	if r := csvRow(recs, p+"-ov", "Overflow desk", "total"); r == nil || r[3] != "1" || r[4] != "1" || r[11] != "0" {
		t.Errorf("Overflow desk's CSV total %q: want offered 1, handled 1, overflowed 0", r)
	}
}

// TestReportsBucketSeededChatsAcrossMidnightAndDST: chats seeded as ended at known instants
// and tallied as their end's follow-up does count in the bucket of the hour they ended, by
// the report's time zone (America/New_York): across local midnight (a chat ended at 19:30
// EST is on the local day before its UTC day), and over both changes of the clocks in 2026
// (8 March, a day of 23 hours without 02:00; 1 November, a day of 25 hours with 01:00
// twice, once per offset), exactly, in JSON and CSV, nothing lost or counted twice; a
// recount gives the rollups back.
func TestReportsBucketSeededChatsAcrossMidnightAndDST(t *testing.T) {
	n := fixtureSeq.Add(1)
	p := fmt.Sprintf("rz%d", n)
	number, sue := fmt.Sprintf("+1800780%04d", n), "token-"+p+"-sue"
	loadCatalog(t, config.Catalog{
		Numbers: []config.Number{{Number: number, LineOfBusiness: p, EntryQueue: p + "-q", DefaultLanguage: "en", Brand: "Zone " + p, MPS: 100}},
		Queues:  []config.Queue{{ID: p + "-q", Name: "Help", LineOfBusiness: p}},
		Agents: []config.Agent{{ID: p + "-ana", Name: "Ana", Queues: []string{p + "-q"}, Languages: []string{"en"}, Token: "token-" + p + "-ana"},
			{ID: p + "-sue", Name: "Sue", Queues: []string{p + "-q"}, Languages: []string{"en"}, Role: config.RoleSupervisor, Token: sue}},
	})
	ctx := testCtx(t)
	fs, err := firestore.NewClient(ctx, os.Getenv("GOOGLE_CLOUD_PROJECT"))
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	ny, _ := time.LoadLocation("America/New_York")
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ends := []string{
		// midnight in New York, 15 to 16 January (EST, UTC-5)
		"2026-01-16T00:30:00Z", // 19:30 on the 15th
		"2026-01-16T04:59:00Z", // 23:59 on the 15th
		"2026-01-16T05:10:00Z", // 00:10 on the 16th, having started on the 15th
		// 8 March: 01:59 EST is followed by 03:00 EDT
		"2026-03-08T06:30:00Z", // 01:30 EST
		"2026-03-08T07:30:00Z", // 03:30 EDT
		"2026-03-09T03:30:00Z", // 23:30 EDT on the 8th
		"2026-03-09T04:30:00Z", // 00:30 EDT on the 9th
		// 1 November: 01:59 EDT is followed by 01:00 EST
		"2026-11-01T05:30:00Z", // 01:30 EDT
		"2026-11-01T06:30:00Z", // 01:30 EST
		"2026-11-02T04:30:00Z", // 23:30 EST on the 1st
	}
	tallier := &reports.Tallier{Store: runner.Store}
	for i, e := range ends {
		end := at(e)
		created := end.Add(-20 * time.Minute) // the midnight chat of the 16th started at 23:50 on the 15th
		connected := created.Add(20 * time.Second)
		c := session.Session{ID: fmt.Sprintf("C%s-%02d", p, i), Business: number, Phone: consumerPhone(), LineOfBusiness: p, QueueID: p + "-q",
			State: session.Ended, StartType: session.StartAutoAnswer, CreatedAt: created, QueuedAt: created, ConnectedAt: connected, EndedAt: end,
			Visits: []session.QueueVisit{{QueueID: p + "-q", Entered: created, Left: connected, How: session.LeftAnswered, AgentID: p + "-ana"}},
			Legs:   []session.AgentLeg{{AgentID: p + "-ana", Start: connected, End: end, By: session.LegAnswered, Out: session.LegEnded}}}
		if _, err := fs.Collection("sessions").Doc(c.ID).Set(ctx, c); err != nil {
			t.Fatal(err)
		}
		for range 2 { // delivered twice, counted once
			if err := tallier.Tally(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
		}
	}

	// handled gets the queue's buckets of a report: their starts and chats handled.
	handled := func(from, to, tz, grain string) ([]string, []int64, int64) {
		t.Helper()
		var qs struct{ Rows []queueBucketsJSON }
		params := url.Values{"from": {from}, "to": {to}, "timeZone": {tz}, "grain": {grain}}
		if code := reportGET(t, sue, "queues", params, &qs); code != http.StatusOK || len(qs.Rows) != 1 {
			t.Fatalf("queues report %v = %d with %d rows", params, code, len(qs.Rows))
		}
		var starts []string
		var counts []int64
		for _, b := range qs.Rows[0].Buckets {
			starts = append(starts, b.Start.Format(time.RFC3339))
			counts = append(counts, b.Handled)
		}
		return starts, counts, qs.Rows[0].Total.Handled
	}
	expect := func(what string, gotStarts []string, got []int64, total int64, wantStarts []string, want []int64, wantTotal int64) {
		t.Helper()
		if fmt.Sprint(gotStarts) != fmt.Sprint(wantStarts) || fmt.Sprint(got) != fmt.Sprint(want) || total != wantTotal {
			t.Errorf("%s: buckets %v handled %v (total %d); want %v handled %v (total %d)", what, gotStarts, got, total, wantStarts, want, wantTotal)
		}
	}

	s, c, tot := handled("2026-01-15", "2026-01-16", "America/New_York", "day")
	expect("January days in New York", s, c, tot, []string{"2026-01-15T00:00:00-05:00", "2026-01-16T00:00:00-05:00"}, []int64{2, 1}, 3)
	s, c, tot = handled("2026-01-15", "2026-01-16", "UTC", "day")
	expect("January days in UTC", s, c, tot, []string{"2026-01-15T00:00:00Z", "2026-01-16T00:00:00Z"}, []int64{0, 3}, 3)
	s, c, tot = handled("2026-01-15T23:00:00-05:00", "2026-01-16T01:00:00-05:00", "America/New_York", "hour")
	expect("around New York's midnight", s, c, tot, []string{"2026-01-15T23:00:00-05:00", "2026-01-16T00:00:00-05:00"}, []int64{1, 1}, 2)

	s, c, tot = handled("2026-03-08", "2026-03-09", "America/New_York", "day")
	expect("March days", s, c, tot, []string{"2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00"}, []int64{3, 1}, 4)
	if len(s) == 2 {
		if d := at(s[1]).Sub(at(s[0])); d != 23*time.Hour {
			t.Errorf("8 March lasts %v in New York, want 23h", d)
		}
	}
	s, c, tot = handled("2026-03-08", "2026-03-08", "America/New_York", "hour")
	wantStarts, want := dayHours(ny, 2026, time.March, 8), make([]int64, 23)
	want[1], want[2], want[22] = 1, 1, 1
	expect("8 March by the hour", s, c, tot, wantStarts, want, 3)
	if len(s) == 23 && (s[1] != "2026-03-08T01:00:00-05:00" || s[2] != "2026-03-08T03:00:00-04:00") {
		t.Errorf("8 March's hours %v: want 01:00 EST followed by 03:00 EDT", s[:3])
	}

	s, c, tot = handled("2026-11-01", "2026-11-02", "America/New_York", "day")
	expect("November days", s, c, tot, []string{"2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00"}, []int64{3, 0}, 3)
	if len(s) == 2 {
		if d := at(s[1]).Sub(at(s[0])); d != 25*time.Hour {
			t.Errorf("1 November lasts %v in New York, want 25h", d)
		}
	}
	s, c, tot = handled("2026-11-01", "2026-11-01", "America/New_York", "hour")
	wantStarts, want = dayHours(ny, 2026, time.November, 1), make([]int64, 25)
	want[1], want[2], want[24] = 1, 1, 1
	expect("1 November by the hour", s, c, tot, wantStarts, want, 3)
	if len(s) == 25 && (s[1] != "2026-11-01T01:00:00-04:00" || s[2] != "2026-11-01T01:00:00-05:00") {
		t.Errorf("1 November's hours %v: want 01:00 EDT followed by 01:00 EST", s[:3])
	}
	recs := reportCSV(t, ctx, sue, "queues", url.Values{"from": {"2026-11-01"}, "to": {"2026-11-01"}, "timeZone": {"America/New_York"}, "grain": {"hour"}})
	for _, from := range []string{"2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00"} {
		if r := csvRow(recs, p+"-q", "Help", from); r == nil || r[3] != "1" || r[4] != "1" {
			t.Errorf("CSV row of %s: %q; want 1 offered and handled", from, r)
		}
	}
	if r := csvRow(recs, p+"-q", "Help", "total"); r == nil || r[4] != "3" {
		t.Errorf("CSV total %q; want 3 handled", r)
	}

	// The whole year: every chat once, by local day and by month.
	_, c, tot = handled("2026-01-01", "2026-12-31", "America/New_York", "month")
	if tot != int64(len(ends)) || c[0] != 3 || c[2] != 4 || c[10] != 3 {
		t.Errorf("2026 by the month: %v (total %d); want 3 in January, 4 in March, 3 in November, %d in all", c, tot, len(ends))
	}
	var ty typesReport
	reportGET(t, sue, "types", url.Values{"from": {"2026-01-01"}, "to": {"2026-12-31"}, "timeZone": {"America/New_York"}, "grain": {"month"}}, &ty)
	if ty.Total.Total.Chats != int64(len(ends)) || ty.Total.Inbound.Chats != int64(len(ends)) {
		t.Errorf("types over 2026: %+v; want %d inbound chats", ty.Total.Total, len(ends))
	}
	diffs, err := reporting.Recount(ctx, runner.Store, at("2026-01-15T00:00:00Z"), at("2026-11-02T00:00:00Z"), []string{p})
	if err != nil || len(diffs) > 0 {
		t.Errorf("recount = %v, %q; want the rollups given back", err, diffs)
	}
}

// dayHours are the starts of the local hours of a day in loc, each hour of wall time once per
// offset, as RFC 3339 times.
func dayHours(loc *time.Location, y int, m time.Month, d int) []string {
	var out []string
	for t, end := time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc); t.Before(end); t = t.Add(time.Hour) {
		out = append(out, t.In(loc).Format(time.RFC3339))
	}
	return out
}
