package main

// Mode reports measures the reports over a large history:
//
//	-mode reports [-chats 100000] [-days 90] [-queues 10] [-agents 50]
//	    seeds -chats ended chats spread over -days into Firestore (bulk writer) with their
//	    rollups, counted by the same rule as the live tally (reports.Tally) and written by the
//	    same store code (store.AddCounts), then times the 30-day queues and agents reports
//	    (latency and Firestore reads), the console's reports page over them (its four reports,
//	    by day and by hour: latency, reads, HTML size) and the CSV export of 30 days of chats (time, rows, and
//	    the peak Go heap while it streams, beside the heap before it).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/metering"
	"github.com/smsdesk/smsdesk/shared/reporting"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

const modeReports = "reports"

type reportsBench struct {
	Mode       string          `json:"mode"`
	Chats      int             `json:"chats"`
	Days       int             `json:"days"`
	Queues     int             `json:"queues"`
	Agents     int             `json:"agents"`
	Rollups    int             `json:"rollupDocuments"`
	SeedSecs   float64         `json:"seedSeconds"`
	QueuesMs   float64         `json:"queuesReport30dMs"`
	QueuesOps  metering.Counts `json:"queuesReport30d"`
	AgentsMs   float64         `json:"agentsReport30dMs"`
	AgentsOps  metering.Counts `json:"agentsReport30d"`
	PageDay    pageTiming      `json:"consolePage30dByDay"`
	PageHour   pageTiming      `json:"consolePage30dByHour"`
	CSVSecs    float64         `json:"chatsCsv30dSeconds"`
	CSVRows    int64           `json:"chatsCsv30dRows"`
	CSVBytes   int64           `json:"chatsCsv30dBytes"`
	CSVOps     metering.Counts `json:"chatsCsv30d"`
	HeapBefore uint64          `json:"heapBeforeBytes"`
	HeapPeak   uint64          `json:"heapPeakBytes"`
}

type countingWriter struct{ n, lines atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	for _, b := range p {
		if b == '\n' {
			w.lines.Add(1)
		}
	}
	return len(p), nil
}

func runReports(ctx context.Context, f flags, log *slog.Logger, out io.Writer) error {
	meter := metering.New()
	fs, err := firestore.NewClient(ctx, fmt.Sprintf("bench-reports-%d", time.Now().UnixNano()), meter.FirestoreOptions()...)
	if err != nil {
		return err
	}
	defer fs.Close()
	st := store.New(fs)
	const number, line = "+18005550100", "bench"
	c := config.Catalog{Numbers: []config.Number{{Number: number, LineOfBusiness: line, EntryQueue: "q0", DefaultLanguage: "en", Brand: "Bench"}}}
	for i := range f.reportQueues {
		c.Queues = append(c.Queues, config.Queue{ID: fmt.Sprintf("q%d", i), Name: fmt.Sprintf("Queue %d", i), LineOfBusiness: line})
	}
	for i := range f.agents {
		c.Agents = append(c.Agents, config.Agent{ID: fmt.Sprintf("a%d", i), Name: fmt.Sprintf("Agent %d", i), Queues: []string{fmt.Sprintf("q%d", i%f.reportQueues)}, Token: fmt.Sprintf("t%d", i)})
	}
	c.Agents = append(c.Agents, config.Agent{ID: "boss", Name: "Boss", Role: config.RoleAdmin, Token: "boss"})
	if err := st.LoadCatalog(ctx, c); err != nil {
		return err
	}
	res := reportsBench{Mode: modeReports, Chats: f.chats, Days: f.days, Queues: f.reportQueues, Agents: f.agents}
	end := time.Now().UTC().Truncate(time.Hour)
	begin := end.AddDate(0, 0, -f.days)
	seedStart := time.Now()
	counts := reports.Counts{}
	rng := rand.New(rand.NewPCG(1, 2))
	bw := fs.BulkWriter(ctx)
	th := func(string) reports.Thresholds { return reports.QueueThresholds(config.Queue{}) }
	for i := range f.chats {
		s := benchChat(rng, i, begin, end, f)
		if _, err := bw.Set(fs.Collection("sessions").Doc(s.ID), s); err != nil {
			return err
		}
		counts.Merge(reports.Tally(s, th))
		if (i+1)%10000 == 0 {
			bw.Flush()
			log.Info("seeded", "chats", i+1)
		}
	}
	bw.End()
	// The rollups, written by the store's own increments, a few hundred documents per commit.
	batch := reports.Counts{}
	for doc, fields := range counts {
		batch[doc] = fields
		if len(batch) == 200 {
			if err := st.AddCounts(ctx, batch); err != nil {
				return err
			}
			batch = reports.Counts{}
		}
	}
	if err := st.AddCounts(ctx, batch); err != nil {
		return err
	}
	res.Rollups, res.SeedSecs = len(counts), time.Since(seedStart).Seconds()
	log.Info("seeded", "chats", f.chats, "rollups", len(counts), "seconds", res.SeedSecs)

	boss, err := st.Agent(ctx, "boss")
	if err != nil {
		return err
	}
	svc := &reporting.Service{Store: st}
	p := reports.Period{From: end.AddDate(0, 0, -30), To: end, Loc: time.UTC, Grain: reports.Day}
	for _, r := range []struct {
		kind string
		ms   *float64
		ops  *metering.Counts
	}{{reporting.Queues, &res.QueuesMs, &res.QueuesOps}, {reporting.Agents, &res.AgentsMs, &res.AgentsOps}} {
		before, t0 := meter.Snapshot(), time.Now()
		if _, err := svc.Report(ctx, boss, r.kind, p); err != nil {
			return err
		}
		*r.ms, *r.ops = float64(time.Since(t0).Microseconds())/1000, meter.Snapshot().Sub(before)
	}
	if res.PageDay, err = reportsPage(meter, svc, boss, p.From, p.To, "day"); err != nil {
		return err
	}
	if res.PageHour, err = reportsPage(meter, svc, boss, p.From, p.To, "hour"); err != nil {
		return err
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.HeapBefore = ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}
	}()
	w := &countingWriter{}
	before, t0 := meter.Snapshot(), time.Now()
	err = svc.WriteCSV(ctx, boss, reporting.Chats, p, w)
	close(done)
	if err != nil {
		return err
	}
	res.CSVSecs, res.CSVOps = time.Since(t0).Seconds(), meter.Snapshot().Sub(before)
	res.CSVRows, res.CSVBytes, res.HeapPeak = w.lines.Load()-2, w.n.Load(), peak.Load()
	return report(out, f.json, res)
}

func (res reportsBench) printTable(out io.Writer) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "chats seeded\t%d over %d days (%d queues, %d agents), %d rollup documents, %.1f s\n", res.Chats, res.Days, res.Queues, res.Agents, res.Rollups, res.SeedSecs)
	fmt.Fprintf(tw, "queues report, 30 days by day\t%.1f ms\t%d reads\n", res.QueuesMs, res.QueuesOps.Reads)
	fmt.Fprintf(tw, "agents report, 30 days by day\t%.1f ms\t%d reads\n", res.AgentsMs, res.AgentsOps.Reads)
	for _, pg := range []struct {
		name string
		t    pageTiming
	}{{"day", res.PageDay}, {"hour", res.PageHour}} {
		fmt.Fprintf(tw, "console reports page, 30 days by %s\t%.1f ms\t%d reads, %d KiB of HTML\n", pg.name, pg.t.Ms, pg.t.Ops.Reads, pg.t.Bytes/1024)
	}
	fmt.Fprintf(tw, "chats CSV, 30 days\t%.1f s\t%d rows, %d bytes, %d reads\n", res.CSVSecs, res.CSVRows, res.CSVBytes, res.CSVOps.Reads)
	fmt.Fprintf(tw, "Go heap during the export\t%.1f MiB peak\t%.1f MiB before\n", float64(res.HeapPeak)/(1<<20), float64(res.HeapBefore)/(1<<20))
	tw.Flush()
}

// benchChat is chat i of a seeded history: 80% answered (a tenth of them after a transfer to
// another queue), 10% abandoned, 5% short abandons, 5% opened by the business for an agent.
func benchChat(rng *rand.Rand, i int, begin, end time.Time, f flags) session.Session {
	span := end.Sub(begin) - time.Hour
	created := begin.Add(time.Duration(rng.Int64N(int64(span))))
	q := fmt.Sprintf("q%d", rng.IntN(f.reportQueues))
	a := fmt.Sprintf("a%d", rng.IntN(f.agents))
	s := session.Session{ID: fmt.Sprintf("B%07d", i), Business: "+18005550100", Phone: fmt.Sprintf("+1555%07d", i%10000000),
		LineOfBusiness: "bench", Language: "en", State: session.Ended, StartType: session.StartAutoAnswer, CreatedAt: created, QueueID: q}
	wait := time.Duration(rng.IntN(120)+1) * time.Second
	handle := time.Duration(rng.IntN(900)+60) * time.Second
	s.Counts.Consumer = session.Traffic{Messages: 3, Segments: 3}
	s.Counts.System = session.Traffic{Messages: 2, Segments: 2}
	s.FirstText = "Hi, where is my order " + s.ID
	switch k := rng.IntN(100); {
	case k < 80:
		connected := created.Add(wait)
		s.Visits = []session.QueueVisit{{QueueID: q, Entered: created, Left: connected, How: session.LeftAnswered, AgentID: a}}
		s.Legs = []session.AgentLeg{{AgentID: a, Start: connected, End: connected.Add(handle), By: session.LegAnswered, Out: session.LegEnded}}
		s.ConnectedAt, s.FirstResponseAt, s.EndedAt = connected, connected.Add(20*time.Second), connected.Add(handle)
		s.Counts.Agent = session.Traffic{Messages: 4, Segments: 5}
		s.AgentID, s.EndReason = a, session.EndAgent
	case k < 90:
		s.Visits = []session.QueueVisit{{QueueID: q, Entered: created, Left: created.Add(wait + 10*time.Second), How: session.LeftEnded}}
		s.EndedAt, s.EndReason = created.Add(wait+10*time.Second), session.EndConsumerExit
	case k < 95:
		s.Visits = []session.QueueVisit{{QueueID: q, Entered: created, Left: created.Add(3 * time.Second), How: session.LeftEnded}}
		s.EndedAt, s.EndReason = created.Add(3*time.Second), session.EndConsumerExit
	default:
		s.StartType, s.AgentID = session.StartOutbound, a
		s.Legs = []session.AgentLeg{{AgentID: a, Start: created, End: created.Add(handle), By: session.LegOpened, Out: session.LegEnded}}
		s.ConnectedAt, s.EndedAt, s.EndReason = created, created.Add(handle), session.EndAgent
		s.Counts.Agent = session.Traffic{Messages: 2, Segments: 2}
	}
	return s
}
