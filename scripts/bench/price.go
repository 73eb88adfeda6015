package main

// Mode price meters whole chats and a bulk send the way a business has them, and prices them
// at Google Cloud's list prices (pricing.go):
//
//	-mode price   -conversations (default 50) consumers each text the business number (consent
//	              and assignment as the catalog has it), then send -texts more texts while their
//	              agent sends -replies replies through the agent API, each reply once the text
//	              before it is stored; every message is delivered at the carrier simulator; the
//	              agents end the chats; the chats reach the CRM (-crm, default the built-in
//	              one), the reports' tallies run, and each timer the chats set is delivered as
//	              Cloud Tasks would once due (the chats have ended: it does nothing). Then a bulk
//	              send of -recipients (default 1,000) texts through the outbound API, as mode
//	              bulk does it.
//
// Everything between the first text and the last follow-up is metered: Firestore reads,
// writes and deletes; Pub/Sub publish requests and bytes, and deliveries (the event functions'
// invocations); every function's invocations and handler wall time (smsdesk.Observe); timers
// created (the app's TimerScheduler) and delivered. The costs per 1,000 chats and per 1,000
// bulk texts follow, with the segments the carrier would bill.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/smsdesk/smsdesk"
	"github.com/smsdesk/smsdesk/shared/compliance"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/metering"
	"github.com/smsdesk/smsdesk/shared/store"
)

const (
	modePrice = "price"

	priceDefaultConversations = 50
	priceDefaultRecipients    = 1000
	// priceUnit is what the costs are given for: 1,000 chats, 1,000 bulk texts.
	priceUnit = 1000
)

// priceDefaults sets mode price's sizes for the flags not given.
func priceDefaults(f *flags) {
	set := map[string]bool{}
	flag.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if !set["conversations"] {
		f.conversations = priceDefaultConversations
	}
	if !set["recipients"] {
		f.recipients = priceDefaultRecipients
	}
	if err := checkPriceFlags(*f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

// checkPriceFlags says what is wrong with mode price's sizes, before anything starts.
func checkPriceFlags(f flags) error {
	if f.texts < 0 || f.replies < 0 || f.recipients <= 0 {
		return fmt.Errorf("mode price needs -texts ≥ 0, -replies ≥ 0 and -recipients > 0, got %d, %d and %d", f.texts, f.replies, f.recipients)
	}
	return nil
}

// priceResults are what mode price reports.
type priceResults struct {
	Mode           string    `json:"mode"`
	Chats          workload  `json:"chats"`
	Bulk           workload  `json:"bulk"`
	TextsPerChat   int       `json:"consumerTextsPerChat"` // besides the first
	RepliesPerChat int       `json:"agentRepliesPerChat"`
	Agents         int       `json:"agents"`
	CRM            string    `json:"crm"`
	Prices         priceList `json:"prices"`
	Assumptions    []string  `json:"assumptions"`
	WallSeconds    float64   `json:"wallSeconds"`
}

// workload is one metered phase and its price.
type workload struct {
	Units   int   `json:"units"` // chats, or bulk texts sent
	Usage   usage `json:"usage"`
	Carrier struct {
		Outbound         int `json:"outboundMessages"`
		OutboundSegments int `json:"outboundSegments"`
		Inbound          int `json:"inboundMessages"`
		InboundSegments  int `json:"inboundSegments"`
	} `json:"carrier"`
	Seconds float64 `json:"seconds"`
	// Steps split the chats' Firestore and Pub/Sub counts (per chat) by step: open (first
	// text to assigned, delivered), exchange (texts and replies), end (to the CRM) and timers.
	Steps []step `json:"steps,omitempty"`
	// PerUnit are the costs of 1,000 units (priceUnit) with a regional and a multi-region database.
	PerUnit struct {
		Regional    costs `json:"regional"`
		MultiRegion costs `json:"multiRegion"`
	} `json:"costPer1000"`
}

// step is one step of the chats, per chat.
type step struct {
	Name      string  `json:"name"`
	Reads     float64 `json:"reads"`
	Writes    float64 `json:"writes"` // deletes included
	Publishes float64 `json:"publishes"`
}

// stepper records the meter's counts at the end of each step.
type stepper struct {
	b     *bench
	n     int
	last  metering.Counts
	steps []step
}

func (s *stepper) end(name string) {
	now := s.b.meter.Snapshot()
	d, k := now.Sub(s.last), float64(s.n)
	s.steps = append(s.steps, step{Name: name, Reads: float64(d.Reads) / k, Writes: float64(d.Writes) / k, Publishes: float64(d.Publishes) / k})
	s.last = now
}

func (w *workload) price(p priceList) {
	if w.Units == 0 {
		return
	}
	f := float64(priceUnit) / float64(w.Units)
	w.PerUnit.Regional = p.cost(w.Usage, regional).scaled(f)
	w.PerUnit.MultiRegion = p.cost(w.Usage, multiRegion).scaled(f)
}

// runPrice runs mode price after warming up and prints its results.
func (b *bench) runPrice(ctx context.Context, log *slog.Logger, out io.Writer, start time.Time) error {
	if err := checkPriceFlags(b.f); err != nil {
		return err
	}
	tz, err := b.loadBulkFixture(ctx)
	if err != nil {
		return err
	}
	if err := b.warmUp(ctx, log); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	var m priceMeters
	if err := b.installPriceMeters(ctx, &m); err != nil {
		return err
	}
	defer smsdesk.Observe(nil)
	res := &priceResults{Mode: modePrice, TextsPerChat: b.f.texts, RepliesPerChat: b.f.replies, Agents: b.f.agents,
		CRM: b.f.crm, Prices: listPrices(), Assumptions: priceAssumptions()}
	if res.Chats, err = b.priceChats(ctx, log, &m); err != nil {
		return fmt.Errorf("chats: %w", err)
	}
	if res.Bulk, err = b.priceBulk(ctx, log, &m, tz); err != nil {
		return fmt.Errorf("bulk send: %w", err)
	}
	res.Chats.price(res.Prices)
	res.Bulk.price(res.Prices)
	res.WallSeconds = time.Since(start).Seconds()
	return report(out, b.f.json, res)
}

// priceChats runs and meters the chats, from the first texts to the timers' deliveries.
func (b *bench) priceChats(ctx context.Context, log *slog.Logger, m *priceMeters) (workload, error) {
	n := len(b.phones)
	w := workload{Units: n}
	log.Info("chats", "consumers", n, "texts", b.f.texts, "replies", b.f.replies)
	t0, before := time.Now(), b.priceSnapshot(m)
	steps := &stepper{b: b, n: n, last: before.counts}
	ids, sessions, err := b.openChats(ctx)
	if err != nil {
		return w, err
	}
	for i, s := range sessions {
		if s.AgentID == "" {
			return w, fmt.Errorf("chat of %s was never assigned", b.phones[i])
		}
	}
	if err := b.waitQuiet(ctx); err != nil {
		return w, err
	}
	steps.end("open")
	inbound := make([][]string, n) // what each consumer texted, from openChats' first text on
	for i := range n {
		inbound[i] = append(inbound[i], fmt.Sprintf("Hello, consumer %d here", i))
	}
	err = forEach(ctx, n, func(ctx context.Context, i int) error {
		for r := range max(b.f.texts, b.f.replies) {
			if r < b.f.texts {
				body := fmt.Sprintf("Question %d from consumer %d: where is my order?", r+1, i)
				inbound[i] = append(inbound[i], body)
				if _, _, err := b.text(ctx, b.phones[i], body); err != nil {
					return err
				}
				if err := b.waitStored(ctx, ids[i], body); err != nil {
					return err
				}
			}
			if r < b.f.replies {
				reply := map[string]string{"body": fmt.Sprintf("Answer %d: your order ships tomorrow.", r+1)}
				if err := b.api(ctx, sessions[i].AgentID, http.MethodPost, "/chats/"+ids[i]+"/messages", reply, nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return w, err
	}
	if err := b.waitDelivered(ctx, businessNumber, b.phones); err != nil {
		return w, err
	}
	if err := b.waitQuiet(ctx); err != nil {
		return w, err
	}
	steps.end("exchange")
	log.Info("agents end the chats", "chats", n)
	err = forEach(ctx, n, func(ctx context.Context, i int) error {
		return b.api(ctx, sessions[i].AgentID, http.MethodPost, "/chats/"+ids[i]+"/end", nil, nil)
	})
	if err != nil {
		return w, err
	}
	if b.f.crm != config.CRMNone {
		if _, err := b.waitCRM(ctx, ids, func(st store.CRMSync) bool { return st.Done }); err != nil {
			return w, err
		}
	}
	if err := b.waitQuiet(ctx); err != nil {
		return w, err
	}
	steps.end("end")
	if err := b.deliverTimers(ctx, m); err != nil {
		return w, err
	}
	b.settle(ctx, log)
	steps.end("timers")
	w.Steps = steps.steps
	w.Usage = usageBetween(before, b.priceSnapshot(m))
	w.Seconds = time.Since(t0).Seconds()

	phones := map[string]bool{}
	for _, p := range b.phones {
		phones[p] = true
	}
	for _, msg := range b.sim.Sent() {
		if msg.From == businessNumber && phones[msg.To] && !msg.ByCarrier {
			w.Carrier.Outbound++
			w.Carrier.OutboundSegments += msg.NumSegments
		}
	}
	for _, bodies := range inbound {
		for _, body := range bodies {
			w.Carrier.Inbound++
			w.Carrier.InboundSegments += compliance.Segments(body)
		}
	}
	return w, nil
}

// waitStored waits until the chat's transcript (read unmetered) holds the consumer's text.
func (b *bench) waitStored(ctx context.Context, chatID, body string) error {
	for {
		entries, err := b.runner.Store.Transcript(ctx, chatID)
		if err != nil {
			return fmt.Errorf("transcript of %s: %w", chatID, err)
		}
		for i := len(entries) - 1; i >= 0; i-- {
			if !entries[i].Outbound() && entries[i].Body == body {
				return nil
			}
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("text %q never stored in chat %s: %w", body, chatID, err)
		}
	}
}

// priceBulk runs and meters a bulk send as mode bulk does.
func (b *bench) priceBulk(ctx context.Context, log *slog.Logger, m *priceMeters, tz string) (workload, error) {
	n := b.f.recipients
	var w workload
	t0, before := time.Now(), b.priceSnapshot(m)
	br := &bulkResults{Mode: modeBulk, Recipients: n, MPSLimit: b.f.mps, TimeZone: tz}
	if err := b.bulkSend(ctx, log, br); err != nil {
		return w, err
	}
	if br.Sent != n {
		return w, fmt.Errorf("the carrier got %d of %d bulk texts: %v", br.Sent, n, br.Notes)
	}
	if err := b.waitQuiet(ctx); err != nil {
		return w, err
	}
	if err := b.deliverTimers(ctx, m); err != nil {
		return w, err
	}
	b.settle(ctx, log)
	w.Usage = usageBetween(before, b.priceSnapshot(m))
	w.Seconds = time.Since(t0).Seconds()
	w.Units = br.Sent
	for _, msg := range bulkSent(b.sim.Sent()) {
		w.Carrier.Outbound++
		w.Carrier.OutboundSegments += msg.NumSegments
	}
	return w, nil
}

// priceAssumptions say how the metered figures become a bill.
func priceAssumptions() []string {
	return []string{
		"free tiers ignored; carrier fees apart (multiply the segments by the carrier's price per segment)",
		"Firestore Standard edition; regional = us-central1, multiRegion = nam5 (twice the price)",
		"Cloud Run functions request-based billing: each invocation's handler wall time (an upper bound of its CPU time) rounded up to 100 ms, as at concurrency 1; for sender, agent and console (concurrency 40/250) concurrent requests share instance time, so this is an upper bound",
		"256 MB functions at 0.167 vCPU and 0.25 GiB; sender, agent and console at 1 vCPU (Cloud Run functions require it for concurrency > 1), as terraform/functions.tf deploys them",
		"Pub/Sub: each publish request billed its messages' bytes (data, attributes, ordering key), at least 1,000; each push delivery at least 1,000 bytes; deliveries are the event functions' invocations",
		"Cloud Tasks: one billable operation per timer create call and one per delivery; each distinct timer is delivered once (after the chat ended, it does nothing)",
		"not counted: agents' consoles and live streams (the agents here use the agent API), the sweeper's runs every 5 minutes, Cloud Storage and Cloud Logging",
	}
}

func (r *priceResults) printTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "mode price: %d chats (first text + %d texts, %d agent replies, end, CRM %s), %d agents; bulk of %d texts\n",
		r.Chats.Units, r.TextsPerChat, r.RepliesPerChat, r.CRM, r.Agents, r.Bulk.Units)
	fmt.Fprintf(w, "list prices read %s; USD per %d, regional database (us-central1) / multi-region (nam5)\n\n", r.Prices.Read, priceUnit)
	fmt.Fprintln(tw, "\tFirestore\tPub/Sub\tCloud Run functions\tCloud Tasks\ttotal\t")
	for _, row := range []struct {
		name string
		c    costs
	}{
		{"1,000 chats, us-central1", r.Chats.PerUnit.Regional}, {"1,000 chats, nam5", r.Chats.PerUnit.MultiRegion},
		{"1,000 bulk texts, us-central1", r.Bulk.PerUnit.Regional}, {"1,000 bulk texts, nam5", r.Bulk.PerUnit.MultiRegion},
	} {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t\n", row.name, row.c.Firestore, row.c.PubSub, row.c.Functions, row.c.Tasks, row.c.Total)
	}
	tw.Flush()
	for _, x := range []struct {
		name string
		w    workload
	}{{"per chat", r.Chats}, {"per bulk text", r.Bulk}} {
		u, k := x.w.Usage, float64(max(x.w.Units, 1))
		fmt.Fprintf(w, "\n%s (%d, %.1f s): Firestore %.2f reads, %.2f writes, %.2f deletes; Pub/Sub %.2f publishes in %.2f requests (%.0f bytes each on average), %.2f deliveries; Cloud Tasks %.2f creates, %.2f deliveries\n",
			x.name, x.w.Units, x.w.Seconds, float64(u.Firestore.Reads)/k, float64(u.Firestore.Writes)/k, float64(u.Firestore.Deletes)/k,
			float64(u.PubSub.Publishes)/k, float64(u.PubSub.PublishRequests)/k, float64(u.PubSub.PublishBytes)/float64(max(u.PubSub.Publishes, 1)),
			float64(u.PubSub.Deliveries)/k, float64(u.Tasks.Created)/k, float64(u.Tasks.Delivered)/k)
		fmt.Fprintf(w, "  carrier: %.2f messages out in %.2f segments, %.2f in in %.2f segments\n",
			float64(x.w.Carrier.Outbound)/k, float64(x.w.Carrier.OutboundSegments)/k, float64(x.w.Carrier.Inbound)/k, float64(x.w.Carrier.InboundSegments)/k)
		if len(u.Tasks.ByKind) > 0 {
			fmt.Fprintf(w, "  timers created by kind:")
			for _, kind := range slices.Sorted(maps.Keys(u.Tasks.ByKind)) {
				fmt.Fprintf(w, " %s %.2f", kind, float64(u.Tasks.ByKind[kind])/k)
			}
			fmt.Fprintln(w)
		}
		for _, st := range x.w.Steps {
			fmt.Fprintf(w, "  step %s: %.2f reads, %.2f writes, %.2f publishes\n", st.Name, st.Reads, st.Writes, st.Publishes)
		}
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  function\tinvocations\tmean handler ms\tbilled s\t")
		for _, name := range slices.Sorted(maps.Keys(u.Functions)) {
			f := u.Functions[name]
			fmt.Fprintf(tw, "  %s\t%.2f\t%.1f\t%.3f\t\n", name, float64(f.Requests)/k, 1000*f.HandlerSeconds/float64(max(f.Requests, 1)), f.BilledSeconds/k)
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\nassumptions:")
	for _, a := range r.Assumptions {
		fmt.Fprintf(w, "- %s\n", a)
	}
	fmt.Fprintf(w, "wall time %.1f s\n", r.WallSeconds)
}
