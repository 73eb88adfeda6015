package localrun_test

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reporting"
	"github.com/smsdesk/smsdesk/shared/reports"
)

// reportsFixture is a line of its own: entry queue q (short abandons under 3 s) served by
// Ana, hidden queue q2 served by Luis, both in one team; supervisor Sue serves the line and
// Pat is a plain agent.
type reportsFixture struct {
	Number, P string
	Tokens    map[string]string
}

func newReportsFixture(t *testing.T) reportsFixture {
	t.Helper()
	return newReportsFixtureWith(t, nil)
}

// newReportsFixtureWith is newReportsFixture with the catalog changed by edit first.
func newReportsFixtureWith(t *testing.T, edit func(*config.Catalog)) reportsFixture {
	t.Helper()
	n := fixtureSeq.Add(1)
	p := fmt.Sprintf("rp%d", n)
	f := reportsFixture{Number: fmt.Sprintf("+1800777%04d", n), P: p, Tokens: map[string]string{}}
	c := config.Catalog{
		Numbers: []config.Number{{Number: f.Number, LineOfBusiness: p, EntryQueue: p + "-q", DefaultLanguage: "en", Brand: "Rep " + p, ExitWord: "EXIT", MPS: 100}},
		Queues: []config.Queue{{ID: p + "-q", Name: "Help", LineOfBusiness: p, ShortAbandonSeconds: 3},
			{ID: p + "-q2", Name: "Tech", LineOfBusiness: p, Hidden: true}},
		Teams: []config.Team{{ID: p + "-t", Name: "Team", Members: []string{p + "-ana", p + "-luis"}}},
	}
	for _, a := range []struct {
		id, role string
		queues   []string
	}{
		{"ana", "", []string{p + "-q"}}, {"luis", "", []string{p + "-q2"}}, {"sue", config.RoleSupervisor, []string{p + "-q"}}, {"pat", "", []string{p + "-q"}}} {
		f.Tokens[a.id] = "token-" + p + "-" + a.id
		c.Agents = append(c.Agents, config.Agent{ID: p + "-" + a.id, Name: a.id, Queues: a.queues, Capacity: 2, Languages: []string{"en"},
			Role: a.role, Token: f.Tokens[a.id]})
	}
	if edit != nil {
		edit(&c)
	}
	loadCatalog(t, c)
	return f
}

type queueRowJSON struct {
	ID    string
	Total reports.QueueFigures
}

type agentRowJSON struct {
	ID    string
	Total reports.AgentFigures
}

func reportGET(t *testing.T, token, kind string, params url.Values, out any) int {
	t.Helper()
	return api(t, token, "GET", "/reports/"+kind+"?"+params.Encode(), nil, out)
}

// TestReportsCountTheScenariosExactly: a short abandon, an abandoned chat, a chat answered by
// Ana, transferred to a queue and answered there by Luis, and a chat the business opened for
// Ana give exact figures in the queues, agents, teams and types reports and in the agents'
// own statistics; a redelivered tally adds nothing; the chats CSV neutralises the consumer's
// formula; an agent is refused and a bad time zone named.
func TestReportsCountTheScenariosExactly(t *testing.T) {
	f := newReportsFixture(t)
	ctx := testCtx(t)
	p := f.P
	start := time.Now().UTC().Truncate(time.Hour)                                             // rollups count by the hour: the report starts at one
	api(t, f.Tokens["luis"], "PUT", "/status", map[string]string{"status": "available"}, nil) // q2 only: takes none of q's chats

	short := consumerPhone() // ends at once: a short abandon
	text(t, short, f.Number, "hi")
	text(t, short, f.Number, "EXIT")
	long := consumerPhone() // waits past the 3 s threshold: abandoned
	text(t, long, f.Number, "hello?")
	expectSMS(t, ctx, long, 2, "")
	time.Sleep(3500 * time.Millisecond) // the wait itself is the scenario, not a check that nothing happened
	text(t, long, f.Number, "EXIT")
	expectSMS(t, ctx, short, 3, "")
	expectSMS(t, ctx, long, 3, "")

	api(t, f.Tokens["ana"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	formula := consumerPhone()
	text(t, formula, f.Number, `=HYPERLINK("http://evil.example","click")`)
	id := waitChats(t, ctx, f.Tokens["ana"], func(cs []chatJSON) bool { return len(cs) == 1 })[0].ID
	if code := api(t, f.Tokens["ana"], "POST", "/chats/"+id+"/messages", map[string]string{"body": "Hello, let me look"}, nil); code != http.StatusCreated {
		t.Fatalf("reply = %d", code)
	}
	if code := api(t, f.Tokens["ana"], "POST", "/chats/"+id+"/transfer", map[string]string{"queue": p + "-q2"}, nil); code != http.StatusOK {
		t.Fatalf("transfer = %d", code)
	}
	waitChats(t, ctx, f.Tokens["luis"], func(cs []chatJSON) bool { return len(cs) == 1 })
	if code := api(t, f.Tokens["luis"], "POST", "/chats/"+id+"/end", nil, nil); code != http.StatusOK {
		t.Fatalf("end = %d", code)
	}
	code, r, _ := outCall(t, f.Tokens["ana"], "/sessions", "", map[string]any{"from": f.Number, "to": consumerPhone(), "body": "About your order",
		"agent": p + "-ana", "consent": consent()})
	if code != http.StatusAccepted {
		t.Fatalf("open chat = %d %+v", code, r)
	}
	out := waitChats(t, ctx, f.Tokens["ana"], func(cs []chatJSON) bool { return len(cs) == 1 })[0].ID
	if code := api(t, f.Tokens["ana"], "POST", "/chats/"+out+"/end", nil, nil); code != http.StatusOK {
		t.Fatalf("end outbound = %d", code)
	}
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}

	params := url.Values{"from": {start.Format(time.RFC3339)}, "to": {time.Now().UTC().Add(time.Hour).Format(time.RFC3339)}, "grain": {"hour"}}
	check := func(when string) {
		t.Helper()
		var qs struct{ Rows []queueRowJSON }
		if code := reportGET(t, f.Tokens["sue"], "queues", params, &qs); code != http.StatusOK || len(qs.Rows) != 2 {
			t.Fatalf("%s: queues report = %d, %d rows; want 200 and this line's 2 queues", when, code, len(qs.Rows))
		}
		q, q2 := qs.Rows[0].Total, qs.Rows[1].Total
		if q.Offered != 3 || q.Handled != 1 || q.Abandoned != 1 || q.ShortAbandoned != 1 || q.AbandonRate == nil || *q.AbandonRate != 0.5 {
			t.Errorf("%s: queue q %+v: want offered 3, handled 1, abandoned 1, short 1, abandon rate 1/2", when, q)
		}
		if q2.Offered != 1 || q2.Handled != 1 || q2.ServiceLevel == nil || *q2.ServiceLevel != 1 {
			t.Errorf("%s: queue q2 %+v: want the transferred chat offered and handled within the service level", when, q2)
		}
		var as struct{ Rows []agentRowJSON }
		reportGET(t, f.Tokens["sue"], "agents", params, &as)
		got := map[string]reports.AgentFigures{}
		for _, r := range as.Rows {
			got[strings.TrimPrefix(r.ID, p+"-")] = r.Total
		}
		if a := got["ana"]; a.Answered != 2 || a.TransfersOut != 1 || a.AvgFirstResponse == nil {
			t.Errorf("%s: ana %+v: want 2 answered (one opened for her), 1 transfer out, a first response", when, a)
		}
		if l := got["luis"]; l.Answered != 1 || l.TransfersOut != 0 {
			t.Errorf("%s: luis %+v: want 1 answered", when, l)
		}
		var ty struct{ Total reports.TypesRow }
		reportGET(t, f.Tokens["sue"], "types", params, &ty)
		if ty.Total.Total.Chats != 4 || ty.Total.Inbound.Chats != 3 || ty.Total.Outbound.Chats != 1 || ty.Total.Outbound.SentMessages < 1 {
			t.Errorf("%s: types %+v: want 4 chats, 3 inbound, 1 outbound with its text", when, ty.Total)
		}
	}
	check("after the chats")

	// A redelivered tally follow-up finds the chat's marker and adds nothing.
	tallier := &reports.Tallier{Store: runner.Store}
	for _, c := range []string{id, out} {
		if err := tallier.Tally(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	check("after the tallies were delivered again")

	// A recount from the chats themselves gives the rollups back.
	day := start.Truncate(24 * time.Hour)
	diffs, err := reporting.Recount(ctx, runner.Store, day, time.Now().UTC().Truncate(24*time.Hour), []string{p})
	if err != nil || len(diffs) > 0 {
		t.Errorf("recount = %v, %q; want no difference", err, diffs)
	}

	var st struct {
		Today struct {
			Mine struct{ Answered float64 }
			Team *struct{ Answered float64 }
		}
	}
	if code := api(t, f.Tokens["ana"], "GET", "/stats", nil, &st); code != http.StatusOK || st.Today.Mine.Answered != 2 || st.Today.Team == nil || st.Today.Team.Answered != 1.5 {
		t.Errorf("ana's stats = %d %+v: want 2 answered today beside the team's 1.5", code, st)
	}

	csvParams := url.Values{"from": params["from"], "to": params["to"], "format": {"csv"}}
	req, _ := http.NewRequestWithContext(ctx, "GET", runner.BaseURL+"/agent/reports/chats?"+csvParams.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+f.Tokens["sue"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	rd := csv.NewReader(strings.NewReader(string(raw)))
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil || resp.StatusCode != http.StatusOK || len(recs) < 2 || recs[0][0] != "chats report" {
		t.Fatalf("chats CSV = %d %v: %q", resp.StatusCode, err, raw)
	}
	found := false
	for _, rec := range recs {
		if rec[0] == id {
			found = true
			if last := rec[len(rec)-1]; !strings.HasPrefix(last, "'=HYPERLINK") {
				t.Errorf("first text cell %q: want the formula neutralised with a leading '", last)
			}
		}
	}
	if !found || len(recs) != 2+4 {
		t.Errorf("chats CSV has %d rows, chat %s found %v; want the period, the header and this line's 4 chats", len(recs), id, found)
	}

	// Luis's time available is counted when he leaves the status.
	if code := api(t, f.Tokens["luis"], "PUT", "/status", map[string]string{"status": "offline"}, nil); code != http.StatusOK {
		t.Fatalf("luis offline = %d", code)
	}
	var as struct{ Rows []agentRowJSON }
	reportGET(t, f.Tokens["sue"], "agents", params, &as)
	for _, r := range as.Rows {
		if r.ID == p+"-luis" && r.Total.StatusSeconds["available"] < 3 {
			t.Errorf("luis's time available %+v, want at least the 3.5 s the abandoned chat waited", r.Total)
		}
	}

	var e apiError
	if code := reportGET(t, f.Tokens["pat"], "queues", params, &e); code != http.StatusForbidden || e.Error.Code != "forbidden" {
		t.Errorf("an agent's report = %d %+v, want 403 forbidden", code, e)
	}
	bad := url.Values{"from": {"2026-01-01"}, "to": {"2026-01-31"}, "timeZone": {"Mars/Olympus"}}
	var pe struct {
		Error struct{ Code, Message, Param string }
	}
	if code := reportGET(t, f.Tokens["sue"], "queues", bad, &pe); code != http.StatusBadRequest || pe.Error.Param != "timeZone" {
		t.Errorf("bad time zone = %d %+v, want 400 naming timeZone", code, pe)
	}
}
