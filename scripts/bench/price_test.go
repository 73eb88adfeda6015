package main

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

// TestPriceListPricesKnownCounts checks the arithmetic against figures worked out by hand.
func TestPriceListPricesKnownCounts(t *testing.T) {
	var u usage
	u.Firestore.Reads, u.Firestore.Writes, u.Firestore.Deletes = 100_000, 200_000, 300_000
	u.PubSub.BilledPublishBytes, u.PubSub.BilledDeliveryBytes = 1<<40, 1<<39 // 1.5 TiB
	u.Functions = map[string]invocations{
		"conversation": {Requests: 1_000_000, BilledSeconds: 1000}, // 0.167 vCPU, 0.25 GiB
		"sender":       {Requests: 500_000, BilledSeconds: 100},    // 1 vCPU, 0.25 GiB
	}
	u.Tasks.Created, u.Tasks.Delivered = 2_000_000, 3_000_000
	p := listPrices()

	c := p.cost(u, regional)
	// Firestore: 1 × $0.03 + 2 × $0.09 + 3 × $0.01 (per 100,000).
	// Pub/Sub: 1.5 TiB × $40.
	// vCPU: (1000 s × 0.167 + 100 s × 1) × $0.000024 = 267 × 0.000024.
	// Memory: 1100 s × 0.25 GiB × $0.0000025. Requests: 1.5 million × $0.40.
	// Tasks: 5 million × $0.40.
	want := costs{Firestore: 0.24, PubSub: 60, VCPU: 0.006408, Memory: 0.0006875, Requests: 0.6, Tasks: 2}
	want.Functions = want.VCPU + want.Memory + want.Requests
	want.Total = want.Firestore + want.PubSub + want.Functions + want.Tasks
	if !near(c, want) {
		t.Errorf("regional cost = %+v, want %+v", c, want)
	}
	if m := p.cost(u, multiRegion); math.Abs(m.Firestore-0.48) > 1e-9 || math.Abs(m.Total-c.Total-0.24) > 1e-9 {
		t.Errorf("nam5 Firestore = %v (total %v), want twice the regional 0.24 (total 0.24 more)", m.Firestore, m.Total)
	}
	if s := c.scaled(0.5); math.Abs(s.Total-c.Total/2) > 1e-9 || math.Abs(s.PubSub-30) > 1e-9 {
		t.Errorf("half of %+v is %+v", c, s)
	}

	for _, tc := range []struct {
		took time.Duration
		want float64
	}{{time.Millisecond, 0.1}, {100 * time.Millisecond, 0.1}, {101 * time.Millisecond, 0.2}, {2350 * time.Millisecond, 2.4}} {
		if got := billedSeconds(tc.took); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("billedSeconds(%s) = %v, want %v", tc.took, got, tc.want)
		}
	}
	// 10 deliveries of messages averaging 301 bytes are billed 1,000 bytes each; of 2,500, 2,500.
	if got := deliveryBytes(10, 3, 901, 1000); got != 10_000 {
		t.Errorf("deliveryBytes of small messages = %d, want 10000", got)
	}
	if got := deliveryBytes(10, 2, 5000, 1000); got != 25_000 {
		t.Errorf("deliveryBytes of 2,500-byte messages = %d, want 25000", got)
	}
}

func near(a, b costs) bool {
	for _, d := range [][2]float64{{a.Firestore, b.Firestore}, {a.PubSub, b.PubSub}, {a.VCPU, b.VCPU}, {a.Memory, b.Memory},
		{a.Requests, b.Requests}, {a.Functions, b.Functions}, {a.Tasks, b.Tasks}, {a.Total, b.Total}} {
		if math.Abs(d[0]-d[1]) > 1e-9*math.Max(1, math.Abs(d[1])) {
			return false
		}
	}
	return true
}

// TestPriceModeMetersChatsAndBulk runs mode price small over the emulators: every service a
// chat uses has a cost, the bulk send too, and the counts behind them are the chats' own.
func TestPriceModeMetersChatsAndBulk(t *testing.T) {
	needEmulators(t)
	if inOwnProcess(t) {
		return
	}
	f := flags{mode: modePrice, agents: 3, capacity: 1, conversations: 3, recipients: 10, mps: 500,
		texts: 2, replies: 2, warmup: 2, crm: config.CRMFirestore, json: true}
	ctx, log, b := benchFor(t, f)
	var out bytes.Buffer
	if err := b.runPrice(ctx, log, &out, time.Now()); err != nil {
		t.Fatal(err)
	}
	var res priceResults
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("mode price's -json output %q: %v", out.String(), err)
	}

	ch := res.Chats
	if c := ch.PerUnit.Regional; ch.Units != 3 || c.Firestore <= 0 || c.PubSub <= 0 || c.Functions <= 0 || c.Tasks <= 0 ||
		c.Total < c.Firestore+c.PubSub+c.Functions+c.Tasks-1e-12 {
		t.Errorf("3 chats cost %+v per 1,000: want Firestore, Pub/Sub, functions and Cloud Tasks each above 0, summed in the total", c)
	}
	if ch.PerUnit.MultiRegion.Firestore <= ch.PerUnit.Regional.Firestore {
		t.Errorf("Firestore per 1,000 chats: nam5 %v, us-central1 %v; want nam5 dearer", ch.PerUnit.MultiRegion.Firestore, ch.PerUnit.Regional.Firestore)
	}
	u := ch.Usage
	// Each chat: 3 consumer texts through the webhook; 2 replies and the end through the agent API.
	if u.Functions["inbound"].Requests != 3*3 || u.Functions["agent"].Requests < 3*3 || u.Functions["expiry"].Requests != u.Tasks.Delivered {
		t.Errorf("chat invocations %+v: want 9 inbound webhooks, at least 9 agent API calls, one expiry per timer delivered (%d)", u.Functions, u.Tasks.Delivered)
	}
	if u.Functions["conversation"].Requests < 9 || u.Functions["sender"].Requests < 3*3 || u.Functions["status"].Requests < 3*3 || u.Functions["crmsync"].Requests < 3 {
		t.Errorf("chat invocations %+v: want every text applied, every reply sent with its statuses back, every chat in the CRM", u.Functions)
	}
	if u.PubSub.PublishRequests <= 0 || u.PubSub.BilledPublishBytes < 1000*u.PubSub.PublishRequests || u.PubSub.Deliveries < u.PubSub.Publishes ||
		u.Tasks.Delivered < 3 || u.Tasks.Created < u.Tasks.Delivered {
		t.Errorf("chat usage %+v: want every publish request billed ≥ 1,000 bytes and delivered, timers set by each chat, a create for every delivered timer", u)
	}
	// Consent, "assigned" and 2 replies at least reach each consumer, and their 3 texts come in.
	if ch.Carrier.Outbound < 3*4 || ch.Carrier.OutboundSegments < ch.Carrier.Outbound || ch.Carrier.Inbound != 9 || ch.Carrier.InboundSegments < 9 {
		t.Errorf("chat carrier traffic %+v: want at least 12 messages out, 9 in, each at least a segment", ch.Carrier)
	}

	bk := res.Bulk
	if c := bk.PerUnit.Regional; bk.Units != 10 || c.Firestore <= 0 || c.PubSub <= 0 || c.Functions <= 0 || c.Total <= 0 {
		t.Errorf("10 bulk texts cost %+v per 1,000: want Firestore, Pub/Sub and functions each above 0", c)
	}
	if bk.Usage.Functions["outbound"].Requests < 1 || bk.Usage.Functions["sender"].Requests < 10 || bk.Carrier.OutboundSegments < 10 || bk.Usage.Functions["inbound"].Requests != 0 {
		t.Errorf("bulk usage %+v, carrier %+v: want the POST, 10 sends and 10 segments, and no chat's texts", bk.Usage.Functions, bk.Carrier)
	}
}
