package main

// What a metered workload costs at Google Cloud's list prices (mode price). The carrier's fees
// are left out: they depend on the contract, so the mode counts segments for the reader to
// multiply. Free tiers are left out too: they are per billing account and a business running
// its support on SMS uses them up within days.

import (
	"maps"
	"time"
)

// priceList is Google Cloud's list prices in US dollars, read on Read from
//
//	https://cloud.google.com/firestore/pricing  Standard edition: us-central1 (regional) and nam5 (multi-region)
//	https://cloud.google.com/pubsub/pricing     Message Delivery Basic: throughput, each request at least 1,000 bytes
//	https://cloud.google.com/run/pricing        Cloud Run functions, Tier 1 region, request-based billing
//	https://cloud.google.com/tasks/pricing      billable operations: each create and each delivery attempt
type priceList struct {
	Read      string                     `json:"read"`
	Firestore map[string]firestorePrices `json:"firestorePerOperation"` // by location
	// PubSubPerTiB is per TiB of publish and of delivery throughput.
	PubSubPerTiB float64 `json:"pubsubPerTiB"`
	// Cloud Run functions: per vCPU-second and GiB-second of billable instance time, and per request.
	RunPerVCPUSecond float64 `json:"runPerVcpuSecond"`
	RunPerGiBSecond  float64 `json:"runPerGibSecond"`
	RunPerRequest    float64 `json:"runPerRequest"`
	TasksPerOp       float64 `json:"tasksPerOperation"`
}

// firestorePrices are per document read, write and delete.
type firestorePrices struct {
	Read   float64 `json:"read"`
	Write  float64 `json:"write"`
	Delete float64 `json:"delete"`
}

const (
	regional    = "us-central1" // terraform's var.region; a regional database there
	multiRegion = "nam5"        // the US multi-region, twice the regional price
	tib         = 1 << 40
	// runRounding is Cloud Run's rounding of billable instance time, taken per request: exact
	// for the functions that take one request at a time, an upper bound for the others.
	runRounding = 100 * time.Millisecond
)

func listPrices() priceList {
	return priceList{
		Read: "2026-12-02",
		Firestore: map[string]firestorePrices{
			regional:    {Read: 0.03 / 100_000, Write: 0.09 / 100_000, Delete: 0.01 / 100_000},
			multiRegion: {Read: 0.06 / 100_000, Write: 0.18 / 100_000, Delete: 0.02 / 100_000},
		},
		PubSubPerTiB:     40,
		RunPerVCPUSecond: 0.000024,
		RunPerGiBSecond:  0.0000025,
		RunPerRequest:    0.40 / 1_000_000,
		TasksPerOp:       0.40 / 1_000_000,
	}
}

// functionShape is the vCPU and memory (GiB) a function runs with as terraform/functions.tf
// deploys it by default: var.function_memory 256M (taken as 0.25 GiB) each; 1 vCPU for the
// functions that take concurrent requests (its concurrency_of: sender, agent, console), which
// Cloud Run functions require; else the 0.167 vCPU Cloud Run functions give 256 MB.
func functionShape(name string) (vcpu, gib float64) {
	switch name {
	case "sender", "agent", "console":
		return 1, 0.25
	}
	return 0.167, 0.25
}

// billedSeconds is an invocation's billable instance time: its handler's wall time (an upper
// bound of the CPU it used), rounded up to runRounding.
func billedSeconds(took time.Duration) float64 {
	n := (took + runRounding - 1) / runRounding
	return (time.Duration(n) * runRounding).Seconds()
}

// usage is what a workload used, as metered.
type usage struct {
	Firestore struct {
		Reads   int64 `json:"reads"`
		Writes  int64 `json:"writes"` // not counting deletes
		Deletes int64 `json:"deletes"`
	} `json:"firestore"`
	PubSub struct {
		Publishes       int64 `json:"publishes"`
		PublishRequests int64 `json:"publishRequests"`
		PublishBytes    int64 `json:"publishBytes"`
		// BilledPublishBytes counts each publish request at least 1,000 bytes; each delivery
		// carries one message and is billed at least 1,000 bytes too.
		BilledPublishBytes  int64 `json:"billedPublishBytes"`
		Deliveries          int64 `json:"deliveries"`
		BilledDeliveryBytes int64 `json:"billedDeliveryBytes"`
	} `json:"pubsub"`
	Functions map[string]invocations `json:"functions"`
	Tasks     struct {
		Created   int64            `json:"created"`   // create calls
		Delivered int64            `json:"delivered"` // push deliveries
		ByKind    map[string]int64 `json:"createdByKind,omitempty"`
	} `json:"tasks"`
}

// invocations are one function's requests and their handlers' time.
type invocations struct {
	Requests       int64   `json:"requests"`
	HandlerSeconds float64 `json:"handlerSeconds"` // wall time, unrounded
	BilledSeconds  float64 `json:"billedSeconds"`  // each request rounded up to 100 ms
}

// deliveryBytes bills deliveries of messages averaging publishBytes/publishes bytes, each at
// least minBytes.
func deliveryBytes(deliveries, publishes, publishBytes, minBytes int64) int64 {
	avg := int64(0)
	if publishes > 0 {
		avg = (publishBytes + publishes - 1) / publishes
	}
	return deliveries * max(avg, minBytes)
}

// costs are a workload's price per service, in US dollars.
type costs struct {
	Firestore float64 `json:"firestore"`
	PubSub    float64 `json:"pubsub"`
	// Functions is Cloud Run functions: VCPU + Memory + Requests.
	Functions float64 `json:"functions"`
	VCPU      float64 `json:"functionsVcpu"`
	Memory    float64 `json:"functionsMemory"`
	Requests  float64 `json:"functionsRequests"`
	Tasks     float64 `json:"tasks"`
	Total     float64 `json:"total"`
}

// cost prices u with a Firestore database at location.
func (p priceList) cost(u usage, location string) costs {
	var c costs
	fp := p.Firestore[location]
	c.Firestore = float64(u.Firestore.Reads)*fp.Read + float64(u.Firestore.Writes)*fp.Write + float64(u.Firestore.Deletes)*fp.Delete
	c.PubSub = float64(u.PubSub.BilledPublishBytes+u.PubSub.BilledDeliveryBytes) / tib * p.PubSubPerTiB
	for name, inv := range u.Functions {
		vcpu, gib := functionShape(name)
		c.VCPU += inv.BilledSeconds * vcpu * p.RunPerVCPUSecond
		c.Memory += inv.BilledSeconds * gib * p.RunPerGiBSecond
		c.Requests += float64(inv.Requests) * p.RunPerRequest
	}
	c.Functions = c.VCPU + c.Memory + c.Requests
	c.Tasks = float64(u.Tasks.Created+u.Tasks.Delivered) * p.TasksPerOp
	c.Total = c.Firestore + c.PubSub + c.Functions + c.Tasks
	return c
}

// scaled is c times f (say, per 1,000 chats from a run of fewer).
func (c costs) scaled(f float64) costs {
	return costs{Firestore: c.Firestore * f, PubSub: c.PubSub * f, Functions: c.Functions * f, VCPU: c.VCPU * f,
		Memory: c.Memory * f, Requests: c.Requests * f, Tasks: c.Tasks * f, Total: c.Total * f}
}

// subInvocations is a minus b, function by function.
func subInvocations(a, b map[string]invocations) map[string]invocations {
	out := maps.Clone(a)
	for name, x := range b {
		y := out[name]
		y.Requests -= x.Requests
		y.HandlerSeconds -= x.HandlerSeconds
		y.BilledSeconds -= x.BilledSeconds
		if y.Requests == 0 {
			delete(out, name)
			continue
		}
		out[name] = y
	}
	return out
}
