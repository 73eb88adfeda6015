package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// results are a run's figures.
type results struct {
	Conversations  int     `json:"conversations"`
	TextsEachWay   int     `json:"textsEachWay"`
	Fault          string  `json:"fault,omitempty"`
	FaultSeconds   float64 `json:"faultSeconds,omitempty"`
	RecoverSeconds float64 `json:"recoverSeconds,omitempty"` // fault's end → every text sent before it arrived; -1: never
	Seconds        float64 `json:"seconds"`
	TextsPerSecond float64 `json:"textsPerSecond"`
	// FirstToAgent is a chat's first text sent → in its agent's view (queued and assigned
	// on the way); ConsumerToAgent is every later consumer text sent → in the agent's view; AgentToPhone is the reply
	// posted → taken by the carrier for the phone (milliseconds).
	FirstToAgent    percentiles `json:"firstTextToAgentMs"`
	ConsumerToAgent percentiles `json:"consumerToAgentMs"`
	AgentToPhone    percentiles `json:"agentToPhoneMs"`
	// ReplyCall is the agent API's answer to a reply (POST /agent/chats/{id}/messages), part
	// of AgentToPhone.
	ReplyCall  percentiles `json:"replyCallMs"`
	PeakRSSMiB float64     `json:"peakRssMiB"`
	Lost       int         `json:"lost"`
	Duplicated int         `json:"duplicated"`
	OutOfOrder int         `json:"outOfOrder"`
	// NotDelivered counts replies whose stored status is not "delivered" at the end: a status
	// callback that arrived late must not move a status back.
	NotDelivered int `json:"notDelivered"`
	// StatusesLearnt counts the statuses the sweeper had to ask of the carrier at the end,
	// their callbacks lost.
	StatusesLearnt  int    `json:"statusesLearnt"`
	Failed          int    `json:"failedConversations"`
	FirstFailure    string `json:"firstFailure,omitempty"`
	Retries         int64  `json:"apiRetries"`
	RefusedWebhooks int64  `json:"refusedWebhooks"`
	Pushes          int64  `json:"pushes"`
	Reconnects      int64  `json:"streamReconnects"`
	Redelivered     int64  `json:"redelivered,omitempty"`
}

type percentiles struct {
	P50, P90, P99, Max float64
}

// verify reads, for every conversation, the agent's stored transcript and the consumer's
// phone (the carrier's Messages list) and counts every text of the run that is missing,
// there twice or out of order.
func (l *load) verify(ctx context.Context) (*results, error) {
	res := &results{Conversations: len(l.convs), TextsEachWay: l.f.texts}
	var mu sync.Mutex
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	var firstErr error
	for _, c := range l.convs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			lost, dup, disorder, undelivered, err := l.verifyOne(ctx, c)
			mu.Lock()
			defer mu.Unlock()
			res.Lost, res.Duplicated, res.OutOfOrder = res.Lost+lost, res.Duplicated+dup, res.OutOfOrder+disorder
			res.NotDelivered += undelivered
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	return res, firstErr
}

func (l *load) verifyOne(ctx context.Context, c *conversation) (lost, dup, disorder, undelivered int, err error) {
	chatID, agentID := c.chat()
	var consumer, agent []string
	if chatID != "" {
		var v chatView
		err := l.retry(ctx, func(ctx context.Context) error {
			return l.call(ctx, agentID, http.MethodGet, "/chats/"+chatID, nil, nil, &v)
		})
		if err != nil {
			return 0, 0, 0, 0, fmt.Errorf("read chat %s: %w", chatID, err)
		}
		for _, e := range v.Transcript {
			if e.Author == "consumer" {
				consumer = append(consumer, e.Body)
			} else if e.Author == "agent" {
				agent = append(agent, e.Body)
				if strings.HasPrefix(e.Body, fmt.Sprintf("L%d a", c.i)) && e.Status != "delivered" {
					undelivered++
				}
			}
		}
	}
	phone, err := inbox(ctx, l.http, l.simURL, c.phone)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	// Every text of ours that left, each way: a text the run never got to cannot be lost.
	var want, replies []string
	c.mu.Lock()
	for _, t := range c.texts {
		if t.fromConsumer {
			want = append(want, t.body)
		} else {
			replies = append(replies, t.body)
		}
	}
	c.mu.Unlock()
	lc, dc, oc := count(consumer, want)
	want = replies
	_, da, oa := count(agent, want)  // the replies as stored (their loss counts at the phone)
	lp, dp, op := count(phone, want) // and as the phone got them
	// The system's own texts (consent, assigned, ended) reach the phone once too.
	seen := map[string]int{}
	for _, b := range phone {
		if !slices.Contains(want, b) {
			seen[b]++
		}
	}
	sys := 0
	for _, n := range seen {
		sys += n - 1
	}
	return lc + lp, dc + da + dp + sys, oc + oa + op, undelivered, nil
}

// count compares got against want (distinct bodies, in order): how many of want are missing,
// how many extra copies there are, and how many arrived before one that was sent earlier.
func count(got, want []string) (lost, dup, disorder int) {
	idx := map[string]int{}
	for i, w := range want {
		idx[w] = i
	}
	n := map[string]int{}
	last := -1
	for _, g := range got {
		i, ours := idx[g]
		if !ours {
			continue
		}
		n[g]++
		if n[g] > 1 {
			dup++
			continue
		}
		if i < last {
			disorder++
		}
		last = max(last, i)
	}
	for _, w := range want {
		if n[w] == 0 {
			lost++
		}
	}
	return lost, dup, disorder
}

func (r *results) finish(l *load, start time.Time, elapsed time.Duration, sc *scenario, win window) {
	var first, c2a, a2p []time.Duration
	var arrived int
	recover := time.Duration(0)
	for _, c := range l.convs {
		c.mu.Lock()
		for _, t := range c.texts {
			if !t.at.IsZero() {
				arrived++
				if t.first {
					first = append(first, t.at.Sub(t.sent))
				} else if t.fromConsumer {
					c2a = append(c2a, t.at.Sub(t.sent))
				} else {
					a2p = append(a2p, t.at.Sub(t.sent))
				}
			}
			if sc != nil && t.sent.Before(win.end) {
				if t.at.IsZero() {
					recover = -1
				} else if recover >= 0 {
					recover = max(recover, t.at.Sub(win.end))
				}
			}
		}
		if c.err != nil {
			r.Failed++
			if r.FirstFailure == "" {
				r.FirstFailure = c.err.Error()
			}
		}
		c.mu.Unlock()
	}
	r.Seconds = elapsed.Seconds()
	r.TextsPerSecond = float64(arrived) / elapsed.Seconds()
	r.FirstToAgent, r.ConsumerToAgent, r.AgentToPhone = summarize(first), summarize(c2a), summarize(a2p)
	l.callsMu.Lock()
	r.ReplyCall = summarize(l.replyCalls)
	l.callsMu.Unlock()
	r.PeakRSSMiB = float64(l.stack.peakRSS()) / 1024
	r.Retries, r.RefusedWebhooks, r.Pushes, r.Reconnects, r.Redelivered = l.retries.Load(), l.refused.Load(), l.pushes.Load(), l.reconnects.Load(), l.redelivered.Load()
	if sc != nil {
		r.Fault, r.FaultSeconds = sc.name, win.end.Sub(win.start).Seconds()
		r.RecoverSeconds = recover.Seconds()
		if recover < 0 {
			r.RecoverSeconds = -1
		}
	}
}

func summarize(ds []time.Duration) percentiles {
	if len(ds) == 0 {
		return percentiles{}
	}
	slices.Sort(ds)
	at := func(q float64) float64 {
		return float64(ds[min(len(ds)-1, int(q*float64(len(ds))))].Microseconds()) / 1000
	}
	return percentiles{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: at(1)}
}

func (r *results) print(w io.Writer) {
	fmt.Fprintf(w, "conversations %d, %d texts each way\n", r.Conversations, r.TextsEachWay)
	if r.Fault != "" {
		rec := fmt.Sprintf("%.1f s", r.RecoverSeconds)
		if r.RecoverSeconds < 0 {
			rec = "never"
		}
		fmt.Fprintf(w, "fault %s: %.1f s; recovered (every text sent before its end arrived) %s after it ended\n", r.Fault, r.FaultSeconds, rec)
	}
	fmt.Fprintf(w, "run %.1f s, %.1f texts/s\n", r.Seconds, r.TextsPerSecond)
	p := func(name string, q percentiles) {
		fmt.Fprintf(w, "%-28s p50 %8.0f ms  p90 %8.0f ms  p99 %8.0f ms  max %8.0f ms\n", name, q.P50, q.P90, q.P99, q.Max)
	}
	p("first text → agent view", r.FirstToAgent)
	p("consumer text → agent view", r.ConsumerToAgent)
	p("agent reply → phone", r.AgentToPhone)
	p("  of which the API's answer", r.ReplyCall)
	fmt.Fprintf(w, "peak RSS of the functions   %.0f MiB\n", r.PeakRSSMiB)
	fmt.Fprintf(w, "lost %d, duplicated %d, out of order %d, replies not delivered %d (statuses asked of the carrier at the end %d), failed conversations %d\n", r.Lost, r.Duplicated, r.OutOfOrder, r.NotDelivered, r.StatusesLearnt, r.Failed)
	if r.FirstFailure != "" {
		fmt.Fprintf(w, "first failure: %s\n", strings.TrimSpace(r.FirstFailure))
	}
	fmt.Fprintf(w, "agent API retries %d, webhooks refused %d, pushes %d, stream reconnects %d", r.Retries, r.RefusedWebhooks, r.Pushes, r.Reconnects)
	if r.Redelivered > 0 {
		fmt.Fprintf(w, ", Pub/Sub messages redelivered %d", r.Redelivered)
	}
	fmt.Fprintln(w)
}
