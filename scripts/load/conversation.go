package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// conversation is one consumer's chat: K texts each way, alternating, then the agent ends it.
type conversation struct {
	i     int
	phone string
	woken chan struct{}

	mu              sync.Mutex
	chatID, agentID string
	texts           []text // in the order sent, consumer and agent interleaved
	err             error
}

// text is one message of the conversation and when it left and arrived.
type text struct {
	fromConsumer bool
	first        bool // the chat's first text: it waits for assignment too
	body         string
	sent, at     time.Time // at is zero until it reached the agent's view or the phone
}

func (c *conversation) consumerBody(j int) string {
	return fmt.Sprintf("L%d c%d my order is late", c.i, j)
}
func (c *conversation) agentBody(j int) string { return fmt.Sprintf("L%d a%d looking into it", c.i, j) }

func (c *conversation) assign(chatID, agentID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.chatID == "" {
		c.chatID, c.agentID = chatID, agentID
	}
}

func (c *conversation) chat() (string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.chatID, c.agentID
}

func (c *conversation) wake() {
	select {
	case c.woken <- struct{}{}:
	default:
	}
}

func (c *conversation) record(t text) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.texts = append(c.texts, t)
	return len(c.texts) - 1
}

func (c *conversation) arrived(k int, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.texts[k].at = at
}

// run drives the conversation to its end.
func (l *load) run(ctx context.Context, c *conversation) error {
	var held *carriersim.Inbound // dup-webhooks: the copy of the last text, delivered late
	for j := range l.f.texts {
		body := c.consumerBody(j)
		k := c.record(text{fromConsumer: true, first: j == 0, body: body, sent: time.Now()})
		sid, err := l.textIn(ctx, carriersim.Inbound{From: c.phone, To: businessNumber, Body: body})
		if err != nil {
			return err
		}
		if l.dupWebhooks.Load() {
			if held != nil {
				// The previous text's second delivery arrives after this one: out of order.
				go l.textIn(ctx, *held)
			}
			held = &carriersim.Inbound{From: c.phone, To: businessNumber, Body: body, MessageSID: sid}
			go l.textIn(ctx, *held)
		}
		at, err := l.waitVisible(ctx, c, body)
		if err != nil {
			return err
		}
		c.arrived(k, at)

		reply := c.agentBody(j)
		k = c.record(text{body: reply, sent: time.Now()})
		chatID, agentID := c.chat()
		err = l.retry(ctx, func(ctx context.Context) error {
			t0 := time.Now()
			err := l.call(ctx, agentID, http.MethodPost, "/chats/"+chatID+"/messages", map[string]string{"body": reply},
				map[string]string{"Idempotency-Key": fmt.Sprintf("L%d-a%d", c.i, j)}, nil)
			if err == nil {
				l.callsMu.Lock()
				l.replyCalls = append(l.replyCalls, time.Since(t0))
				l.callsMu.Unlock()
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("reply %q: %w", reply, err)
		}
		at, err = l.phones.wait(ctx, c.phone, reply)
		if err != nil {
			return err
		}
		c.arrived(k, at)
	}
	if held != nil {
		go l.textIn(ctx, *held)
	}
	chatID, agentID := c.chat()
	err := l.retry(ctx, func(ctx context.Context) error {
		err := l.call(ctx, agentID, http.MethodPost, "/chats/"+chatID+"/end", nil, nil, nil)
		var ae *apiError
		if errors.As(err, &ae) && ae.status == http.StatusConflict && strings.Contains(ae.body, "chat_ended") {
			return nil // a retried end whose first try went through
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("end chat %s: %w", chatID, err)
	}
	return nil
}

// textIn has the carrier deliver a consumer's text. A text the webhook and its fallback both
// failed to take is delivered again with the same MessageSid until one takes it: the consumer
// sending it again, which the receipt of the MessageSid keeps from counting twice.
func (l *load) textIn(ctx context.Context, in carriersim.Inbound) (string, error) {
	for {
		res, err := l.sim.SendInbound(ctx, in)
		if err == nil && (res.StatusCode/100 == 2 || res.FallbackStatusCode/100 == 2) {
			return res.MessageSID, nil
		}
		in.MessageSID = res.MessageSID
		l.refused.Add(1)
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("text %q from %s never taken (%v): %w", in.Body, in.From, err, context.Cause(ctx))
		case <-time.After(time.Second):
		}
	}
}

// waitVisible waits until the agent's view of the chat shows body, looking when the agent's
// stream names the chat, and every 5 s in case a push was lost with a restarted process.
func (l *load) waitVisible(ctx context.Context, c *conversation, body string) (time.Time, error) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		if chatID, agentID := c.chat(); chatID != "" {
			var v chatView
			err := l.call(ctx, agentID, http.MethodGet, "/chats/"+chatID, nil, nil, &v)
			if err == nil && slices.ContainsFunc(v.Transcript, func(e entry) bool { return e.Author == "consumer" && e.Body == body }) {
				return time.Now(), nil
			}
		}
		select {
		case <-c.woken:
		case <-tick.C:
			if chatID, _ := c.chat(); chatID == "" {
				l.resyncAll(ctx)
			}
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%q never reached the agent: %w", body, context.Cause(ctx))
		}
	}
}
