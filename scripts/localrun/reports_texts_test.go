package localrun_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reporting"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
)

// typesReport is the types report as the API answers it.
type typesReport struct {
	Buckets []reports.TypesRow
	Total   reports.TypesRow
}

// reportCSV reads report kind as CSV with the token's rights.
func reportCSV(t *testing.T, ctx context.Context, token, kind string, params url.Values) [][]string {
	t.Helper()
	q := url.Values{"format": {"csv"}}
	for k, v := range params {
		q[k] = v
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", runner.BaseURL+"/agent/reports/"+kind+"?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	rd := csv.NewReader(bytes.NewReader(raw))
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil || resp.StatusCode != http.StatusOK || len(recs) < 2 {
		t.Fatalf("%s CSV = %d %v: %q", kind, resp.StatusCode, err, raw)
	}
	return recs
}

// csvRow is the row of CSV recs whose first cells are first.
func csvRow(recs [][]string, first ...string) []string {
	for _, r := range recs {
		if len(r) >= len(first) && strings.Join(r[:len(first)], "\x00") == strings.Join(first, "\x00") {
			return r
		}
	}
	return nil
}

// TestTypesReportCountsOneWayBulkAndBlocked: two one-way texts (1 and 2 segments), a bulk send
// to three numbers and one malformed one, and a blocked number's call (retried by the carrier)
// and two texts (one delivered twice) give the types report exactly: one-way 2 texts of 3
// segments, bulk 3 of 3, every text sent 5 of 6, 1 dropped call and 2 dropped texts, each text
// in the hour the carrier accepted it, in JSON and CSV; tallying the texts again adds nothing,
// and a recount gives the rollups back.
func TestTypesReportCountsOneWayBulkAndBlocked(t *testing.T) {
	n := fixtureSeq.Add(1)
	p := fmt.Sprintf("rt%d", n)
	number, key := fmt.Sprintf("+1800779%04d", n), "key-"+p
	sue, admin := "token-"+p+"-sue", "token-"+p+"-root"
	loadCatalog(t, config.Catalog{
		Numbers: []config.Number{{Number: number, LineOfBusiness: p, EntryQueue: p + "-q", DefaultLanguage: "en", Brand: "Txt " + p,
			TimeZone: zoneAt(12), MPS: 100}},
		Queues: []config.Queue{{ID: p + "-q", Name: "Desk", LineOfBusiness: p}},
		Agents: []config.Agent{{ID: p + "-sue", Name: "Sue", Queues: []string{p + "-q"}, Languages: []string{"en"}, Role: config.RoleSupervisor, Token: sue},
			{ID: p + "-root", Name: "Root", Role: config.RoleAdmin, Token: admin}},
		APIKeys: []config.APIKey{{ID: p + "-crm", Name: "CRM", Key: key}},
	})
	ctx := testCtx(t)
	start := time.Now().UTC().Truncate(time.Hour)

	long := strings.Repeat("Your parcel is on its way. ", 7) // 189 GSM-7 characters: 2 segments
	for _, body := range []string{"Your code is 1234", long} {
		if code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": number, "to": consumerPhone(), "body": body, "consent": consent()}); code != http.StatusAccepted {
			t.Fatalf("one-way text = %d %+v", code, r)
		}
	}
	recipients := []map[string]any{{"to": consumerPhone()}, {"to": consumerPhone()}, {"to": consumerPhone()}, {"to": "not-a-number"}}
	b, _ := json.Marshal(map[string]any{"from": number, "body": "Our sale starts today", "recipients": recipients, "consent": consent()})
	req, _ := http.NewRequestWithContext(ctx, "POST", runner.BaseURL+"/outbound/bulk", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("bulk = %v %v", resp, err)
	}
	resp.Body.Close()

	blocked := consumerPhone()
	if code, e := adminCall(t, admin, "PUT", "/blocked/"+blocked, map[string]string{"reason": "abuse"}); code != http.StatusOK {
		t.Fatalf("block: %d %s", code, e.Error.Message)
	}
	t.Cleanup(func() { adminCall(t, admin, "DELETE", "/blocked/"+blocked, nil) })
	res := call(t, carriersim.Call{From: blocked, To: number})
	if res.Outcome != "rejected" {
		t.Fatalf("blocked call: %+v", res)
	}
	call(t, carriersim.Call{From: blocked, To: number, CallSID: res.CallSID}) // the carrier retries
	sid := text(t, blocked, number, "hello?")
	if r, err := sim.SendInbound(ctx, carriersim.Inbound{From: blocked, To: number, Body: "hello?", MessageSID: sid}); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("redelivered text: %v %+v", err, r)
	}
	text(t, blocked, number, "anyone?")
	waitIdle(t)

	// The hour each text counts in is the hour the carrier accepted it, as its message says.
	params := url.Values{"from": {start.Format(time.RFC3339)}, "to": {time.Now().UTC().Add(time.Hour).Format(time.RFC3339)}, "grain": {"hour"}}
	period, err := reports.ParsePeriod(params["from"][0], params["to"][0], "", "hour")
	if err != nil {
		t.Fatal(err)
	}
	wantBuckets := make([]reports.TextFigures, len(period.Buckets()))
	var paths []string
	err = runner.Store.EachAcceptedText(ctx, start, period.To, 100, func(path string, e session.Entry) error {
		if e.Business == number {
			paths = append(paths, path)
			if i := period.Bucket(e.AcceptedAt); i >= 0 {
				wantBuckets[i].Texts++
				wantBuckets[i].Segments += int64(e.Segments)
			}
		}
		return nil
	})
	if err != nil || len(paths) != 5 {
		t.Fatalf("accepted texts of the number: %v, %v; want the 2 one-way and 3 bulk texts", paths, err)
	}

	check := func(when string) {
		t.Helper()
		var ty typesReport
		if code := reportGET(t, sue, "types", params, &ty); code != http.StatusOK {
			t.Fatalf("%s: types report = %d", when, code)
		}
		tot := ty.Total
		if tot.OneWay != (reports.TextFigures{Texts: 2, Segments: 3}) || tot.Bulk != (reports.TextFigures{Texts: 3, Segments: 3}) ||
			tot.AllSent != (reports.TextFigures{Texts: 5, Segments: 6}) || tot.Total.Chats != 0 {
			t.Errorf("%s: one-way %+v, bulk %+v, all sent %+v, chats %d; want 2 texts of 3 segments, 3 of 3, 5 of 6 and no chat",
				when, tot.OneWay, tot.Bulk, tot.AllSent, tot.Total.Chats)
		}
		if tot.Blocked != (reports.BlockedFigures{Calls: 1, Texts: 2}) {
			t.Errorf("%s: blocked %+v; want the call and the two texts, each once", when, tot.Blocked)
		}
		for i, bk := range ty.Buckets {
			if got := (reports.TextFigures{Texts: bk.OneWay.Texts + bk.Bulk.Texts, Segments: bk.OneWay.Segments + bk.Bulk.Segments}); got != wantBuckets[i] {
				t.Errorf("%s: hour %s: texts %+v; want %+v, as the carrier accepted them", when, bk.Start, got, wantBuckets[i])
			}
		}
	}
	check("after the sends")

	recs := reportCSV(t, ctx, sue, "types", params)
	for _, want := range [][]string{
		{"total", "one-way", "", "", "", "2", "3", "", ""},
		{"total", "bulk", "", "", "", "3", "3", "", ""},
		{"total", "all sent", "", "", "", "5", "6", "", ""},
		{"total", "blocked", "", "", "", "", "", "1", "2"},
	} {
		if got := csvRow(recs, want[:2]...); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("types CSV row %q; want %q", got, want)
		}
	}
	if h := csvRow(recs, "from"); len(h) != 9 || h[7] != "dropped calls" || h[8] != "dropped texts" {
		t.Errorf("types CSV header %q", h)
	}

	// A redelivered tally of each text finds its marker and adds nothing.
	tallier := &reports.Tallier{Store: runner.Store}
	for _, path := range paths {
		if err := tallier.TallyText(ctx, path); err != nil {
			t.Fatal(err)
		}
	}
	check("after the texts' tallies were delivered again")
	if row := blockedRow(t, admin, blocked); row == nil || row.DroppedCalls != 1 || row.DroppedTexts != 2 {
		t.Errorf("blocked list row %+v; want 1 dropped call and 2 dropped texts", row)
	}

	diffs, err := reporting.Recount(ctx, runner.Store, start.Truncate(24*time.Hour), time.Now().UTC().Truncate(24*time.Hour), []string{p})
	if err != nil || len(diffs) > 0 {
		t.Errorf("recount = %v, %q; want the rollups given back", err, diffs)
	}
}
