package main

// Mode listeners measures what the live updates' Firestore listener costs a write to a chat
// on the Firestore emulator, which answers each change of a listener's results by running
// its query again and sending the whole result set (shared/metering's listener counting
// undoes it); Firestore sends only the change. It bounds how many concurrent chats a local
// run can carry with consoles connected:
//
//	-mode listeners [-conversations 1000]
//	    seeds -conversations live chats (assigned, with a chat's usual history) and as many
//	    ended ones, then times 100 writes of one chat each (a new transcript line moves the
//	    chat's seq), one after the other: with no listener, and with store.WatchChats (the
//	    live hub's listener) following the live chats.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"text/tabwriter"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

const (
	modeListeners  = "listeners"
	listenerWrites = 100
)

type listenersBench struct {
	Mode          string  `json:"mode"`
	LiveChats     int     `json:"liveChats"`
	EndedChats    int     `json:"endedChats"`
	NoListener    summary `json:"writeMsNoListener"`
	WithListener  summary `json:"writeMsWithLiveListener"`
	MedianOverNil float64 `json:"medianOverNoListener"`
}

func runListeners(ctx context.Context, f flags, log *slog.Logger, out io.Writer) error {
	fs, err := firestore.NewClient(ctx, fmt.Sprintf("bench-listeners-%d", time.Now().UnixNano()))
	if err != nil {
		return err
	}
	defer fs.Close()
	res := listenersBench{Mode: modeListeners, LiveChats: f.conversations, EndedChats: f.conversations}
	log.Info("seeding chats", "live", res.LiveChats, "ended", res.EndedChats)
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	lf := f
	lf.reportQueues, lf.agents = max(f.reportQueues, 1), max(f.agents, 1)
	bw := fs.BulkWriter(ctx)
	for i := range res.LiveChats + res.EndedChats {
		s := benchChat(rng, i, now.Add(-2*time.Hour), now, lf)
		if i < res.LiveChats {
			s.State, s.AgentID, s.EndedAt, s.EndReason = session.Assigned, "a0", time.Time{}, ""
		}
		if _, err := bw.Set(fs.Collection("sessions").Doc(s.ID), s); err != nil {
			return err
		}
	}
	bw.End()

	writes := func() ([]time.Duration, error) {
		var ds []time.Duration
		for k := range listenerWrites {
			id := fmt.Sprintf("B%07d", k*7%res.LiveChats)
			t0 := time.Now()
			if _, err := fs.Collection("sessions").Doc(id).Update(ctx, []firestore.Update{{Path: "seq", Value: firestore.Increment(1)}}); err != nil {
				return nil, err
			}
			ds = append(ds, time.Since(t0))
		}
		return ds, nil
	}
	log.Info("writes with no listener")
	ds, err := writes()
	if err != nil {
		return err
	}
	res.NoListener = summarize(ds)

	log.Info("writes with the live chats followed")
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	synced := make(chan struct{})
	go store.New(fs).WatchChats(wctx, time.Now(), func(c store.ChatChange) {
		if c.Kind == store.Synced {
			close(synced)
		}
	})
	select {
	case <-synced:
	case <-ctx.Done():
		return fmt.Errorf("the listener never synced: %w", ctx.Err())
	}
	if ds, err = writes(); err != nil {
		return err
	}
	res.WithListener = summarize(ds)
	if res.NoListener.Median > 0 {
		res.MedianOverNil = res.WithListener.Median / res.NoListener.Median
	}
	return report(out, f.json, res)
}

func (res listenersBench) printTable(out io.Writer) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "smsdesk bench, mode listeners: %d live chats, %d ended\n\n", res.LiveChats, res.EndedChats)
	fmt.Fprintln(w, "one write of a chat (ms)\tmedian\tp90\tp99\tmax\t")
	for _, r := range []struct {
		name string
		s    summary
	}{{"no listener", res.NoListener}, {"live chats followed (store.WatchChats)", res.WithListener}} {
		fmt.Fprintf(w, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t\n", r.name, r.s.Median, r.s.P90, r.s.P99, r.s.Max)
	}
	fmt.Fprintf(w, "\nwith the listener, a write takes %.1f× its time without\n", res.MedianOverNil)
	w.Flush()
}
