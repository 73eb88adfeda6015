package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// drive starts every agent's stream and the conversations (spread over -ramp), runs the
// fault scenario after -fault-after, waits for every conversation, lets the carrier settle and
// verifies what arrived.
func (l *load) drive(ctx context.Context, sc *scenario) (*results, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, l.f.timeout, errors.New("the run's -timeout passed"))
	defer cancel()
	follow, stopFollow := context.WithCancel(ctx)
	defer stopFollow()
	for _, id := range l.agents {
		go l.follow(follow, id, l.log)
	}
	start := time.Now()
	var wg sync.WaitGroup
	var done atomic.Int64
	for i, c := range l.convs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if d := time.Duration(int64(l.f.ramp) * int64(i) / int64(len(l.convs))); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
				}
			}
			if err := l.run(ctx, c); err != nil {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
			}
			done.Add(1)
		}()
	}
	var win window
	faultDone := make(chan error, 1)
	if sc != nil {
		go func() {
			select {
			case <-time.After(l.f.faultAfter):
			case <-ctx.Done():
				faultDone <- ctx.Err()
				return
			}
			l.log.Info("fault starts", "fault", sc.name, "conversationsDone", done.Load())
			w, err := sc.run(ctx, l)
			win = w
			l.log.Info("fault over", "fault", sc.name, "lasted", w.end.Sub(w.start).Round(time.Millisecond), "err", err)
			faultDone <- err
		}()
	} else {
		faultDone <- nil
	}
	stopProgress := l.progress(ctx, &done)
	wg.Wait()
	stopProgress()
	if err := <-faultDone; err != nil {
		return nil, fmt.Errorf("fault %s: %w", sc.name, err)
	}
	elapsed := time.Since(start)
	stopFollow()
	l.settle(context.WithoutCancel(ctx))
	learnt, err := l.reconcile(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	res, err := l.verify(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	res.StatusesLearnt = learnt
	res.finish(l, start, elapsed, sc, win)
	return res, nil
}

func (l *load) progress(ctx context.Context, done *atomic.Int64) func() {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				l.log.Info("progress", "conversationsDone", done.Load(), "of", len(l.convs), "retries", l.retries.Load(), "refusedWebhooks", l.refused.Load())
				if n := int(done.Load()); n*10 >= len(l.convs)*9 && n < len(l.convs) {
					l.logWaiting()
				}
			}
		}
	}()
	return cancel
}

// settle waits until the carrier has taken no message and has no status callback to come for
// 5 s (at most 2 minutes), so that a late duplicate send is seen by the verification.
func (l *load) settle(ctx context.Context) {
	deadline := time.Now().Add(2 * time.Minute)
	last, quietSince := -1, time.Now()
	for time.Now().Before(deadline) {
		n := len(l.sim.Sent())
		pending, _ := l.sim.Callbacks()
		if n != last || pending > 0 {
			last, quietSince = n, time.Now()
		}
		if time.Since(quietSince) >= 5*time.Second {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// logWaiting names the last few conversations and the text each waits for.
func (l *load) logWaiting() {
	shown := 0
	for _, c := range l.convs {
		c.mu.Lock()
		if n := len(c.texts); n > 0 && c.texts[n-1].at.IsZero() && c.err == nil && shown < 5 {
			shown++
			t := c.texts[n-1]
			l.log.Info("waiting", "phone", c.phone, "chat", c.chatID, "agent", c.agentID, "for", t.body, "since", time.Since(t.sent).Round(time.Second))
		}
		c.mu.Unlock()
	}
}
