package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/metering"
)

// chat is a consumer's open chat and the agent holding it.
type chat struct {
	phone, sessionID, agentID string
}

// text sends one consumer text through the carrier simulator and returns its MessageSid and
// how long the webhook took to acknowledge it.
func (b *bench) text(ctx context.Context, phone, body string) (string, time.Duration, error) {
	return b.textTo(ctx, businessNumber, phone, body)
}

func (b *bench) textTo(ctx context.Context, business, phone, body string) (string, time.Duration, error) {
	t0 := time.Now()
	res, err := b.sim.SendInbound(ctx, carriersim.Inbound{From: phone, To: business, Body: body})
	ack := time.Since(t0)
	if err != nil {
		return "", ack, fmt.Errorf("text from %s: %w", phone, err)
	}
	if res.StatusCode != http.StatusOK {
		return "", ack, fmt.Errorf("text from %s: webhook answered %d: %s", phone, res.StatusCode, res.ResponseBody)
	}
	return res.MessageSID, ack, nil
}

// warmUp sends first texts to the warm-up number, whose menu takes no agent, so the emulators'
// JIT compilers have run before anything is measured.
func (b *bench) warmUp(ctx context.Context, log *slog.Logger) error {
	if b.f.warmup <= 0 {
		return nil
	}
	log.Info("warming up", "texts", b.f.warmup)
	phones := make([]string, b.f.warmup)
	for i := range phones {
		phones[i] = fmt.Sprintf("+1555%07d", 3000000+i)
	}
	err := forEach(ctx, len(phones), func(ctx context.Context, i int) error {
		_, _, err := b.textTo(ctx, warmupNumber, phones[i], "warming up")
		return err
	})
	if err != nil {
		return err
	}
	if err := b.waitDelivered(ctx, warmupNumber, phones); err != nil {
		return err
	}
	b.settle(ctx, log)
	return nil
}

// phaseOpen has every consumer send a first text at once and waits until each is told an
// agent took the chat.
func (b *bench) phaseOpen(ctx context.Context, log *slog.Logger, res *results) ([]chat, error) {
	n := len(b.phones)
	log.Info("phase 1: first texts", "consumers", n)
	acks, assigned := make([]time.Duration, n), make([]time.Duration, n)
	var finished atomic.Int64
	defer progress(ctx, log, "first texts", n, &finished)()
	before, t := b.meter.Snapshot(), time.Now()
	beforeByCollection := b.meter.ByCollection()
	err := forEach(ctx, n, func(ctx context.Context, i int) error {
		done := b.watch.expect(b.phones[i])
		t0 := time.Now()
		_, ack, err := b.text(ctx, b.phones[i], fmt.Sprintf("Hello, consumer %d here", i))
		if err != nil {
			return err
		}
		acks[i] = ack
		select {
		case at := <-done:
			assigned[i] = at.Sub(t0)
			finished.Add(1)
			return nil
		case <-ctx.Done():
			return fmt.Errorf("consumer %s was never told an agent took the chat: %w", b.phones[i], context.Cause(ctx))
		}
	})
	if err != nil {
		return nil, err
	}
	if err := b.countAssigned(); err != nil {
		return nil, err
	}
	res.PhaseSeconds.Open = time.Since(t).Seconds()
	if err := b.waitDelivered(ctx, businessNumber, b.phones); err != nil {
		return nil, err
	}
	delta := b.settle(ctx, log).Sub(before)
	res.Totals.FirstTexts, res.PerText.FirstText = delta, per(delta, n)
	res.ByCollection.FirstText = breakdownPer(b.meter.ByCollection(), beforeByCollection, n)
	res.LatencyMs.AckFirstText, res.LatencyMs.FirstTextToAssigned = summarize(acks), summarize(assigned)

	chats := make([]chat, n)
	err = forEach(ctx, n, func(ctx context.Context, i int) error {
		c, err := b.runner.Store.Consumer(ctx, businessNumber, b.phones[i])
		if err != nil {
			return fmt.Errorf("consumer %s: %w", b.phones[i], err)
		}
		s, err := b.runner.Store.Session(ctx, c.ActiveSession)
		if err != nil {
			return fmt.Errorf("chat of %s: %w", b.phones[i], err)
		}
		if s.AgentID == "" {
			return fmt.Errorf("chat %s of %s has no agent", s.ID, b.phones[i])
		}
		chats[i] = chat{phone: b.phones[i], sessionID: s.ID, agentID: s.AgentID}
		return nil
	})
	return chats, err
}

// storedPoll is how often phase 2a looks for a text's receipt: its time is the receipt's, so
// a look only needs to come, and fewer leave the emulators to the pipeline.
const storedPoll = 50 * time.Millisecond

// phaseMidChat has every consumer send one more text into their chat and waits, reading
// Firestore through the runner's own (unmetered) store, until each is stored. The meter then
// holds only what the texts cost.
func (b *bench) phaseMidChat(ctx context.Context, log *slog.Logger, res *results, chats []chat) error {
	n := len(chats)
	log.Info("phase 2a: mid-chat texts, counted", "consumers", n)
	acks, stored := make([]time.Duration, n), make([]time.Duration, n)
	var finished atomic.Int64
	defer progress(ctx, log, "mid-chat texts", n, &finished)()
	before, t := b.meter.Snapshot(), time.Now()
	beforeByCollection := b.meter.ByCollection()
	err := forEach(ctx, n, func(ctx context.Context, i int) error {
		c := chats[i]
		t0 := time.Now()
		sid, ack, err := b.text(ctx, c.phone, fmt.Sprintf("Order %d is late", 10000+i))
		if err != nil {
			return err
		}
		acks[i] = ack
		for {
			id, at, found, err := b.runner.Store.ReceiptStored(ctx, businessNumber, c.phone, sid)
			if err != nil {
				return fmt.Errorf("receipt of %s: %w", sid, err)
			}
			if found {
				if id != c.sessionID {
					return fmt.Errorf("text %s of %s went to chat %q, want %s", sid, c.phone, id, c.sessionID)
				}
				// When the commit stored it, as the floor's time is its commit's: how soon a
				// poll finds it is the poll's latency, not the pipeline's.
				stored[i] = at.Sub(t0)
				finished.Add(1)
				return nil
			}
			if err := sleep(ctx, storedPoll); err != nil {
				return fmt.Errorf("text %s of %s never stored: %w", sid, c.phone, err)
			}
		}
	})
	if err != nil {
		return err
	}
	res.PhaseSeconds.MidChat = time.Since(t).Seconds()
	delta := b.settle(ctx, log).Sub(before)
	res.Totals.MidChatTexts, res.PerText.MidChatText = delta, per(delta, n)
	res.ByCollection.MidChatText = breakdownPer(b.meter.ByCollection(), beforeByCollection, n)
	res.LatencyMs.AckMidChat, res.LatencyMs.MidChatToStored = summarize(acks), summarize(stored)
	return nil
}

// phaseVisible has every consumer send another text and poll their agent's view of the chat
// until it shows the text.
func (b *bench) phaseVisible(ctx context.Context, log *slog.Logger, res *results, chats []chat) error {
	n := len(chats)
	log.Info("phase 2b: mid-chat texts, agents polling", "consumers", n, "every", b.f.poll)
	acks, visible := make([]time.Duration, n), make([]time.Duration, n)
	polls := make([]int, n)
	var finished atomic.Int64
	defer progress(ctx, log, "agent-visible texts", n, &finished)()
	before, t := b.meter.Snapshot(), time.Now()
	err := forEach(ctx, n, func(ctx context.Context, i int) error {
		c := chats[i]
		body := fmt.Sprintf("Any news on order %d?", 10000+i)
		t0 := time.Now()
		_, ack, err := b.text(ctx, c.phone, body)
		if err != nil {
			return err
		}
		acks[i] = ack
		for {
			polls[i]++
			ok, err := b.transcriptHas(ctx, c.agentID, c.sessionID, body)
			if err != nil {
				return err
			}
			if ok {
				visible[i] = time.Since(t0)
				finished.Add(1)
				return nil
			}
			if err := sleep(ctx, b.f.poll); err != nil {
				return fmt.Errorf("text of %s never visible to %s: %w", c.phone, c.agentID, err)
			}
		}
	})
	if err != nil {
		return err
	}
	res.PhaseSeconds.Visible = time.Since(t).Seconds()
	res.Totals.PollingPhase = b.settle(ctx, log).Sub(before)
	for _, p := range polls {
		res.Totals.AgentPolls += p
	}
	res.LatencyMs.AckMidChatPolling, res.LatencyMs.MidChatToAgentVisible = summarize(acks), summarize(visible)
	return nil
}

func per(c metering.Counts, n int) perText {
	return perText{
		Reads: float64(c.Reads) / float64(n), Writes: float64(c.Writes) / float64(n),
		Publishes: float64(c.Publishes) / float64(n),
	}
}
