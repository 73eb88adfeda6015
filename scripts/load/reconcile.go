package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// statusRecheck is the stack's SMSDESK_STATUS_RECHECK: how long after the carrier took a
// message the sweeper asks for a status that never came.
const statusRecheck = time.Minute

// reconcile runs the sweeper, as Cloud Scheduler would, once the statuses of the carrier's
// last message are due a check, until it learns no more: statuses whose callbacks were lost
// (the functions were down) are asked of the carrier. It reports how many it learnt.
func (l *load) reconcile(ctx context.Context) (int, error) {
	var last time.Time
	for _, m := range l.sim.Sent() {
		if m.Created.After(last) {
			last = m.Created
		}
	}
	if wait := time.Until(last.Add(statusRecheck + time.Second)); wait > 0 {
		l.log.Info("waiting for the last statuses to be due a check", "for", wait.Round(time.Second))
		time.Sleep(wait)
	}
	total := 0
	for range 100 {
		var swept struct {
			Learnt int `json:"statusesLearnt"`
		}
		err := l.retry(ctx, func(ctx context.Context) error { return l.sweep(ctx, &swept) })
		if err != nil {
			return total, fmt.Errorf("sweep: %w", err)
		}
		if total += swept.Learnt; swept.Learnt == 0 {
			break
		}
	}
	l.log.Info("statuses asked of the carrier", "learnt", total)
	return total, nil
}

// sweep posts to the sweeper as Cloud Scheduler does and decodes its answer.
func (l *load) sweep(ctx context.Context, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.stack.baseURL()+"/sweeper", nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-CloudScheduler-JobName", "load-sweeper")
	resp, err := l.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sweeper answered %s", resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
