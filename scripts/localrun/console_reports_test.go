package localrun_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/smsdesk/smsdesk/internal/browsertest"
	"github.com/smsdesk/smsdesk/shared/config"
)

// seedReportChats makes three chats of queue q with known figures: a short abandon, a chat
// abandoned after 3.5 s, and one Ana answers and ends; it returns the answered chat's id.
func seedReportChats(t *testing.T, f reportsFixture) string {
	t.Helper()
	ctx := testCtx(t)
	short := consumerPhone()
	text(t, short, f.Number, "hi")
	text(t, short, f.Number, "EXIT")
	long := consumerPhone()
	text(t, long, f.Number, "hello?")
	expectSMS(t, ctx, long, 2, "")
	time.Sleep(3500 * time.Millisecond) // the wait past the 3 s short-abandon threshold is the scenario
	text(t, long, f.Number, "EXIT")
	expectSMS(t, ctx, short, 3, "")
	expectSMS(t, ctx, long, 3, "")
	api(t, f.Tokens["ana"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	text(t, consumerPhone(), f.Number, "Where is my parcel?")
	id := waitChats(t, ctx, f.Tokens["ana"], func(cs []chatJSON) bool { return len(cs) == 1 })[0].ID
	if code := api(t, f.Tokens["ana"], "POST", "/chats/"+id+"/messages", map[string]string{"body": "On its way"}, nil); code != http.StatusCreated {
		t.Fatalf("reply = %d", code)
	}
	if code := api(t, f.Tokens["ana"], "POST", "/chats/"+id+"/end", nil, nil); code != http.StatusOK {
		t.Fatalf("end = %d", code)
	}
	if err := runner.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	return id
}

// waitLoaded waits until the tab has loaded a page whose address satisfies cond (a JS
// expression over params, the URLSearchParams): evaluating during the navigation fails, so
// it asks again until the new page answers.
func (p *tab) waitLoaded(cond string) {
	p.t.Helper()
	js := `(function () { var params = new URLSearchParams(location.search); return (` + cond + `) && document.readyState === "complete"; })()`
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the page never met %s: at %s", cond, p.location())
		}
	}
}

// cell is the text of figure field in the row of a report table.
func (p *tab) cell(table, row, field string) string {
	p.t.Helper()
	return strings.TrimSpace(p.text(fmt.Sprintf("#%s %s [data-f=%q]", table, row, field)))
}

// colorPixels counts the pixels of the chart's canvas within a few levels of colour hex.
const colorPixels = `(function (sel, hex) {
	var c = document.querySelector(sel), d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data, n = 0;
	var r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16);
	for (var i = 0; i < d.length; i += 4) {
		if (d[i + 3] > 200 && Math.abs(d[i] - r) < 16 && Math.abs(d[i + 1] - g) < 16 && Math.abs(d[i + 2] - b) < 16) { n++; }
	}
	return n;
})`

// TestConsoleReportsShowTheSeededFigures: Sue, a supervisor, opens Reports (in her browser's
// time zone), sets a period by the hour in Chicago, and reads the exact figures of seeded
// chats in the queues, agents, teams and types tables; both charts are drawn with their
// series; the CSV links download the reports with the period first; axe-core finds no
// serious violation; the page fits a phone. Ana, an agent, has no Reports link, is refused
// the page and its CSV, and sees her own stats beside her team's. With SMSDESK_SCREENSHOTS=1
// it writes docs/console-reports.png (1280×800).
func TestConsoleReportsShowTheSeededFigures(t *testing.T) {
	// The team serves hidden queue q2 (which no chat reaches), so that Sue, who reads the
	// line's queues, sees the team.
	var p string
	f := newReportsFixtureWith(t, func(c *config.Catalog) { p = c.Queues[0].LineOfBusiness; c.Teams[0].Queues = []string{p + "-q2"} })
	axe := axeCore(t)
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Now().In(chicago).Format(time.DateOnly)
	answered := seedReportChats(t, f)
	to := time.Now().In(chicago).Format(time.DateOnly)

	b := browsertest.Start(t, 1280, 800)
	sue, ana := openTab(t, b), openTab(t, b)
	if _, err := chromedp.Call(sue.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/Chicago"}); err != nil {
		t.Fatal(err)
	}
	sue.signIn(f.Tokens["sue"])
	sue.do(chromedp.Click(chromedp.CSS(`.topnav a[href$="/reports"]`)))
	// The first view is in the browser's time zone.
	sue.waitLoaded(`params.get("timeZone") === "America/Chicago"`)
	if v, err := chromedp.Run(sue.ctx, chromedp.Value(chromedp.CSS("#r-tz"))); err != nil || v != "America/Chicago" {
		t.Errorf("the time zone field holds %q (%v), want the browser's America/Chicago", v, err)
	}

	sue.do(chromedp.SetValue(chromedp.CSS("#r-from"), from), chromedp.SetValue(chromedp.CSS("#r-to"), to),
		chromedp.SetValue(chromedp.CSS("#r-grain"), "hour"), chromedp.Click(chromedp.CSS("#report-form button[type=submit]")))
	sue.waitLoaded(`params.get("grain") === "hour" && params.get("from") === ` + fmt.Sprintf("%q", from))
	sue.waitText("#period", "(America/Chicago), by hour")
	q, q2 := fmt.Sprintf("tr[data-queue=%q]", p+"-q"), fmt.Sprintf("tr[data-queue=%q]", p+"-q2")
	for field, want := range map[string]string{"offered": "3", "handled": "1", "abandoned": "1", "short": "1", "abandonRate": "50%",
		"serviceLevel": "50%", "overflowed": "0", "afterHours": "0"} {
		if got := sue.cell("t-queues", q, field); got != want {
			t.Errorf("queue Help's %s = %q, want %q", field, got, want)
		}
	}
	if got := sue.cell("t-queues", q2, "offered"); got != "0" {
		t.Errorf("queue Tech offered %q, want 0", got)
	}
	if got := sue.cell("t-agents", fmt.Sprintf("tr[data-agent=%q]", p+"-ana"), "answered"); got != "1" {
		t.Errorf("Ana answered %q, want 1", got)
	}
	if got := sue.cell("t-teams", fmt.Sprintf("tr[data-team=%q]", p+"-t"), "perMember"); got != "0.5" {
		t.Errorf("the team's answered per member %q, want 0.5 (1 chat, 2 members)", got)
	}
	if got := strings.TrimSpace(sue.text("#t-types tbody tr:first-child [data-f=chats]")); got != "3" {
		t.Errorf("chats of every type %q, want 3", got)
	}

	// The charts are drawn: uPlot's legends name the series and the lines are on the canvas.
	sue.do(chromedp.WaitVisible(chromedp.CSS("#chart-chats[data-drawn] canvas")), chromedp.WaitVisible(chromedp.CSS("#chart-sl[data-drawn] canvas")))
	sue.waitText("#chart-chats .u-legend", "Offered")
	sue.waitText("#chart-chats .u-legend", "Handled")
	sue.waitText("#chart-chats .u-legend", "Abandoned")
	sue.waitText("#chart-sl .u-legend", "Help")
	sue.waitText("#chart-sl .u-legend", "Tech")
	for _, c := range []struct{ sel, color, what string }{{"#chart-chats canvas", "#3b3fc4", "offered"}, {"#chart-chats canvas", "#16794a", "handled"},
		{"#chart-chats canvas", "#b42318", "abandoned"}, {"#chart-sl canvas", "#3b3fc4", "Help's service level"}} {
		n, err := chromedp.Run(sue.ctx, chromedp.Evaluate[int](colorPixels+fmt.Sprintf("(%q, %q)", c.sel, c.color)))
		if err != nil || n < 20 {
			t.Errorf("the %s line has %d pixels of %s on the chart (%v), want it drawn", c.what, n, c.color, err)
		}
	}

	// Picking Tech, where nothing was offered, flattens the chats chart: fewer offered pixels.
	pixels := func() int {
		n, err := chromedp.Run(sue.ctx, chromedp.Evaluate[int](colorPixels+`("#chart-chats canvas", "#3b3fc4")`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	every := pixels()
	sue.do(chromedp.SetValue(chromedp.CSS("#chart-queue"), p+"-q2"))
	sue.eval(`(document.getElementById("chart-queue").dispatchEvent(new Event("change")), true)`)
	if tech := pixels(); tech >= every {
		t.Errorf("the chats chart of Tech has %d offered pixels, every queue's %d: want the peak gone", tech, every)
	}

	// The CSV links download the reports through the console, the period first.
	download := func(report string) [][]string {
		t.Helper()
		raw, err := chromedp.Run(sue.ctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch(document.querySelector('a[data-report=%q]').href).then(function (r) {
			return r.text().then(function (b) { return r.status + " " + r.headers.get("Content-Type") + "\n" + b; }); })`, report), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("download %s.csv: %v", report, err)
		}
		head, body, _ := strings.Cut(raw, "\n")
		if head != "200 text/csv; charset=utf-8" {
			t.Fatalf("%s.csv answered %s", report, head)
		}
		rd := csv.NewReader(strings.NewReader(body))
		rd.FieldsPerRecord = -1
		recs, err := rd.ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("%s.csv: %v, %q", report, err, body)
		}
		return recs
	}
	fromLocal, _ := time.ParseInLocation(time.DateOnly, from, chicago)
	toLocal, _ := time.ParseInLocation(time.DateOnly, to, chicago)
	period := []string{"queues report", "from", fromLocal.Format(time.RFC3339), "to", toLocal.AddDate(0, 0, 1).Format(time.RFC3339), "time zone", "America/Chicago", "by", "hour"}
	if recs := download("queues"); strings.Join(recs[0], ",") != strings.Join(period, ",") || recs[1][0] != "queue" {
		t.Errorf("queues.csv begins %q, %q; want the period %q, then the header", recs[0], recs[1], period)
	}
	chats := download("chats")
	if len(chats) != 2+3 || chats[0][0] != "chats report" {
		t.Errorf("chats.csv has %d rows beginning %q; want the period, the header and the line's 3 chats", len(chats), chats[0])
	}
	if !strings.Contains(fmt.Sprint(chats), answered) {
		t.Errorf("chats.csv lacks the answered chat %s", answered)
	}

	sue.checkAxe(axe, "reports page")
	sue.shoot("console-reports.png", 1280, 800)

	// A phone: the page does not scroll sideways and the charts fit the screen.
	sue.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#chart-chats[data-drawn] canvas")))
	if !sue.eval(`document.documentElement.scrollWidth <= window.innerWidth && document.querySelector("#chart-chats canvas").getBoundingClientRect().right <= window.innerWidth`) {
		t.Errorf("at phone width the reports page scrolls sideways or the chart overflows")
	}
	sue.shoot("console-reports-phone.png", 390, 844)

	// The queue filter keeps Tech's row alone.
	sue.do(chromedp.SetValue(chromedp.CSS("#r-queue"), p+"-q2"), chromedp.Click(chromedp.CSS("#report-form button[type=submit]")))
	sue.waitLoaded(fmt.Sprintf(`params.get("queue") === %q`, p+"-q2"))
	if !sue.eval(fmt.Sprintf(`document.querySelectorAll("#t-queues tbody tr").length === 1 && document.querySelector(%q) !== null`, "#t-queues "+q2)) {
		t.Errorf("filtered to Tech, the queues table does not hold Tech's row alone")
	}

	// Ana, an agent: no Reports link, 403 for the page and the CSV, her own stats.
	ana.signIn(f.Tokens["ana"])
	if ana.eval(`document.querySelector('.topnav a[href$="/reports"]') !== null`) {
		t.Errorf("an agent's top bar links to reports")
	}
	for _, path := range []string{"/reports", "/reports/chats.csv?from=" + from + "&to=" + to} {
		status, err := chromedp.Run(ana.ctx, chromedp.Evaluate[int](fmt.Sprintf(`fetch(document.body.dataset.base + %q).then(function (r) { return r.status; })`, path), chromedp.EvalAwaitPromise))
		if err != nil || status != http.StatusForbidden {
			t.Errorf("an agent's GET /console%s = %d (%v), want 403", path, status, err)
		}
	}
	ana.do(chromedp.Click(chromedp.CSS(`.topnav a[href$="/stats"]`)), chromedp.WaitVisible(chromedp.CSS("#my-stats")))
	today := `#my-stats tr[data-span="today"] `
	if got := strings.TrimSpace(ana.text(today + "[data-f=mine]")); got != "1" {
		t.Errorf("Ana's chats answered today %q, want 1", got)
	}
	if got := strings.TrimSpace(ana.text(today + "[data-f=team]")); got != "0.5" {
		t.Errorf("her team's average today %q, want 0.5", got)
	}
	if got := strings.TrimSpace(ana.text(today + "[data-f=mineDuration]")); !strings.HasSuffix(got, " s") {
		t.Errorf("Ana's average duration today %q, want a duration", got)
	}
	ana.checkAxe(axe, "stats page")
}
