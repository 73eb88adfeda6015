package config

import (
	"fmt"
	"time"
)

// Timeouts bound how long a chat may wait on someone. Each is a Go duration ("10m", "24h");
// empty inherits from the queue's parent, then the number, then the settings, then the
// defaults below.
type Timeouts struct {
	// InactivityWarn: the consumer has not answered for this long: they get a warning.
	InactivityWarn string `json:"inactivityWarn,omitempty" firestore:"inactivityWarn,omitempty"`
	// InactivityEnd: this long after the warning without an answer, the chat ends.
	InactivityEnd string `json:"inactivityEnd,omitempty" firestore:"inactivityEnd,omitempty"`
	// QueueWait: waiting this long in a queue overflows the chat or ends it.
	QueueWait string `json:"queueWait,omitempty" firestore:"queueWait,omitempty"`
	// ReplyDue: the consumer has waited this long for an agent's reply: the agent and the
	// queue's supervisors are reminded.
	ReplyDue string `json:"replyDue,omitempty" firestore:"replyDue,omitempty"`
	// Expiration: the hard limit on a chat's whole life.
	Expiration string `json:"expiration,omitempty" firestore:"expiration,omitempty"`
	// StillWaiting: a consumer who has waited this long in a queue is texted their new place
	// and estimated wait, once per wait (unset: never).
	StillWaiting string `json:"stillWaiting,omitempty" firestore:"stillWaiting,omitempty"`
}

// Limits are resolved timeouts.
type Limits struct {
	InactivityWarn, InactivityEnd, QueueWait, ReplyDue, Expiration time.Duration
	// StillWaiting is zero (off) unless configured.
	StillWaiting time.Duration
}

// DefaultLimits are what a support team would choose before tuning: a consumer is nudged
// after 10 minutes of silence and the chat closes 5 minutes later; nobody waits in a queue
// more than 30 minutes; an unanswered consumer is flagged after 3 minutes; a chat lives at
// most a day.
var DefaultLimits = Limits{
	InactivityWarn: 10 * time.Minute, InactivityEnd: 5 * time.Minute, QueueWait: 30 * time.Minute,
	ReplyDue: 3 * time.Minute, Expiration: 24 * time.Hour,
}

func (t *Timeouts) fields() []*string {
	return []*string{&t.InactivityWarn, &t.InactivityEnd, &t.QueueWait, &t.ReplyDue, &t.Expiration, &t.StillWaiting}
}

// Validate checks that every set timeout is a positive duration.
func (t Timeouts) Validate() error {
	names := []string{"inactivityWarn", "inactivityEnd", "queueWait", "replyDue", "expiration", "stillWaiting"}
	for i, f := range t.fields() {
		if *f == "" {
			continue
		}
		if d, err := time.ParseDuration(*f); err != nil || d <= 0 {
			return fmt.Errorf("%s %q must be a positive duration like 10m or 24h", names[i], *f)
		}
	}
	return nil
}

// Limits resolves the timeouts of queue id: the queue and its ancestors, the number, the
// settings, then DefaultLimits, field by field.
func (l Line) Limits(id string) Limits {
	var layers []*Timeouts
	for depth := 0; id != "" && depth < 32; depth++ {
		q, ok := l.queues[id]
		if !ok {
			break
		}
		layers = append(layers, q.Timeouts)
		id = q.Parent
	}
	layers = append(layers, l.Number.Timeouts, l.Defaults)
	out := DefaultLimits
	targets := []*time.Duration{&out.InactivityWarn, &out.InactivityEnd, &out.QueueWait, &out.ReplyDue, &out.Expiration, &out.StillWaiting}
	for i, target := range targets {
		for _, t := range layers {
			if t == nil {
				continue
			}
			if d, err := time.ParseDuration(*t.fields()[i]); err == nil && d > 0 {
				*target = d
				break
			}
		}
	}
	return out
}
