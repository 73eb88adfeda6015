package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/session"
)

// sessionIDs returns the active chat of each consumer, in the order of b.phones.
func (b *bench) sessionIDs(ctx context.Context) ([]string, error) {
	ids := make([]string, len(b.phones))
	err := forEach(ctx, len(b.phones), func(ctx context.Context, i int) error {
		c, err := b.runner.Store.Consumer(ctx, businessNumber, b.phones[i])
		if err != nil {
			return fmt.Errorf("consumer %s: %w", b.phones[i], err)
		}
		if c.ActiveSession == "" {
			return fmt.Errorf("consumer %s has no chat", b.phones[i])
		}
		ids[i] = c.ActiveSession
		return nil
	})
	return ids, err
}

// openQuietChats warms up, opens a chat per consumer (each with an agent, capacity 1) and
// waits until their first replies are delivered, so what is measured next starts quiet.
func (b *bench) openQuietChats(ctx context.Context, log *slog.Logger) ([]string, []session.Session, error) {
	if err := b.warmUp(ctx, log); err != nil {
		return nil, nil, fmt.Errorf("warm-up: %w", err)
	}
	log.Info("chats open", "consumers", len(b.phones))
	ids, sessions, err := b.openChats(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := b.waitDelivered(ctx, businessNumber, b.phones); err != nil {
		return nil, nil, err
	}
	return ids, sessions, nil
}

// openChats has every consumer text once and waits until each has a chat and the chats are
// assigned (or assignment stalls).
func (b *bench) openChats(ctx context.Context) ([]string, []session.Session, error) {
	err := forEach(ctx, len(b.phones), func(ctx context.Context, i int) error {
		_, _, err := b.text(ctx, b.phones[i], fmt.Sprintf("Hello, consumer %d here", i))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	// The texts are applied asynchronously: wait until each consumer has a chat.
	ids, err := b.sessionIDs(ctx)
	for err != nil {
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, nil, fmt.Errorf("waiting for the chats to open: %w", err)
		}
		ids, err = b.sessionIDs(ctx)
	}
	sessions, err := b.waitAssigned(ctx, ids)
	return ids, sessions, err
}

// sessions reads the chats through the runner's own (unmetered) store.
func (b *bench) sessions(ctx context.Context, ids []string) ([]session.Session, error) {
	out := make([]session.Session, len(ids))
	err := forEach(ctx, len(ids), func(ctx context.Context, i int) error {
		s, err := b.runner.Store.Session(ctx, ids[i])
		out[i] = s
		return err
	})
	return out, err
}

// waitAssigned reads the chats until none is queued, or until the meter has been still for
// stallAfter with some still queued.
func (b *bench) waitAssigned(ctx context.Context, ids []string) ([]session.Session, error) {
	last, since := b.meter.Snapshot(), time.Now()
	for {
		ss, err := b.sessions(ctx, ids)
		if err != nil {
			return nil, err
		}
		queued := 0
		for _, s := range ss {
			if s.State == session.Queued {
				queued++
			}
		}
		if queued == 0 || time.Since(since) >= stallAfter {
			return ss, nil
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, fmt.Errorf("%d chats still queued: %w", queued, err)
		}
		if now := b.meter.Snapshot(); now != last {
			last, since = now, time.Now()
		}
	}
}

// countAssignedTo checks with the simulator that each of phones got exactly one "assigned"
// message.
func (b *bench) countAssignedTo(phones []string) error {
	got := map[string]int{}
	for _, m := range b.sim.Sent() {
		if strings.HasPrefix(m.Body, assignedPrefix) {
			got[m.To]++
		}
	}
	var errs []error
	for _, p := range phones {
		if got[p] != 1 {
			errs = append(errs, fmt.Errorf("consumer %s got %d \"assigned\" messages, want 1", p, got[p]))
		}
	}
	return errors.Join(errs...)
}

func ptr[T any](v T) *T { return &v }
