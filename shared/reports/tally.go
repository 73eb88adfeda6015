package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Default reporting thresholds of a queue (config.Queue.ShortAbandonSeconds,
// ServiceLevelSeconds).
const (
	DefaultShortAbandon = 10 * time.Second
	DefaultServiceLevel = 60 * time.Second
)

// Thresholds are a queue's reporting thresholds.
type Thresholds struct {
	ShortAbandon, ServiceLevel time.Duration
}

// QueueThresholds are q's thresholds, the defaults where it sets none.
func QueueThresholds(q config.Queue) Thresholds {
	t := Thresholds{DefaultShortAbandon, DefaultServiceLevel}
	if q.ShortAbandonSeconds > 0 {
		t.ShortAbandon = time.Duration(q.ShortAbandonSeconds) * time.Second
	}
	if q.ServiceLevelSeconds > 0 {
		t.ServiceLevel = time.Duration(q.ServiceLevelSeconds) * time.Second
	}
	return t
}

// Kinds of rollup documents: per queue, per agent and per line of business, each per UTC day.
const (
	KindQueue = "q"
	KindAgent = "a"
	KindLine  = "l"
)

// Counter names inside an hour of a rollup. A name starting with "max" keeps the largest
// value written, every other one adds up.
const (
	// queue rollups
	Offered        = "offered"
	Handled        = "handled"
	Abandoned      = "abandoned"
	ShortAbandoned = "shortAbandoned"
	InServiceLevel = "inServiceLevel"
	Overflowed     = "overflowed"
	AfterHours     = "afterHours"
	WaitSum        = "waitSeconds"
	WaitCount      = "waits"
	WaitMax        = "maxWaitSeconds"
	// agent rollups
	Answered          = "answered"
	HandleSum         = "handleSeconds"
	HandleCount       = "handles"
	FirstResponseSum  = "firstResponseSeconds"
	FirstResponseCnt  = "firstResponses"
	TransfersOut      = "transfersOut"
	TransfersIn       = "transfersIn"
	MissedOffers      = "missedOffers"
	StatusSecondsPref = "status_" // + status: seconds spent in it
	// line rollups, per chat type (TypeSMS, TypeOutboundSMS): "<type>_<name>"
	Chats            = "chats"
	ConsumerMessages = "consumerMessages"
	ConsumerSegments = "consumerSegments"
	SentMessages     = "sentMessages" // agent and system texts to the consumer
	SentSegments     = "sentSegments"
)

// Counts are rollup changes: document id → counter path (hour "h.HH." and name) → amount.
type Counts map[string]map[string]int64

// Add adds n to counter name of the hour of t in the rollup of kind and id.
func (c Counts) Add(kind, id string, t time.Time, name string, n int64) {
	doc := RollupID(kind, id, t)
	if c[doc] == nil {
		c[doc] = map[string]int64{}
	}
	path := HourPath(t, name)
	if strings.HasPrefix(name, "max") {
		c[doc][path] = max(c[doc][path], n)
		return
	}
	c[doc][path] += n
}

// Merge adds o into c.
func (c Counts) Merge(o Counts) {
	for doc, fields := range o {
		if c[doc] == nil {
			c[doc] = map[string]int64{}
		}
		for f, n := range fields {
			if strings.HasPrefix(f[strings.LastIndex(f, ".")+1:], "max") {
				c[doc][f] = max(c[doc][f], n)
			} else {
				c[doc][f] += n
			}
		}
	}
}

// RollupID names the rollup of kind and id on t's UTC day, e.g. "q_billing_20260301".
func RollupID(kind, id string, t time.Time) string {
	return kind + "_" + id + "_" + t.UTC().Format("20060102")
}

// HourPath is the path of counter name in the hour of t, e.g. "h.07.offered".
func HourPath(t time.Time, name string) string {
	return fmt.Sprintf("h.%02d.%s", t.UTC().Hour(), name)
}

func seconds(d time.Duration) int64 { return int64(d.Round(time.Second) / time.Second) }

// Tally is what ended chat s adds to the rollups. Every figure of a chat counts in the UTC
// hour it ended, so that a chat is counted whole, once, when its figures are final. th gives
// each queue's thresholds.
func Tally(s session.Session, th func(queueID string) Thresholds) Counts {
	c := Counts{}
	at := s.EndedAt
	for _, v := range s.Visits {
		tallyVisit(c, v, th(v.QueueID), at)
	}
	for i, l := range s.Legs {
		if l.By == session.LegAnswered || l.By == session.LegOpened {
			c.Add(KindAgent, l.AgentID, at, Answered, 1)
		}
		if l.By == session.LegTransfer {
			c.Add(KindAgent, l.AgentID, at, TransfersIn, 1)
		}
		if l.Out == session.LegTransferred {
			c.Add(KindAgent, l.AgentID, at, TransfersOut, 1)
		}
		end := l.End
		if end.IsZero() {
			end = at
		}
		c.Add(KindAgent, l.AgentID, at, HandleSum, seconds(end.Sub(l.Start)))
		c.Add(KindAgent, l.AgentID, at, HandleCount, 1)
		if i == 0 && !s.FirstResponseAt.IsZero() {
			c.Add(KindAgent, l.AgentID, at, FirstResponseSum, seconds(s.FirstResponseAt.Sub(s.ConnectedAt)))
			c.Add(KindAgent, l.AgentID, at, FirstResponseCnt, 1)
		}
	}
	if s.LineOfBusiness != "" {
		t := s.Type() + "_"
		c.Add(KindLine, s.LineOfBusiness, at, t+Chats, 1)
		n := s.Counts
		c.Add(KindLine, s.LineOfBusiness, at, t+ConsumerMessages, int64(n.Consumer.Messages))
		c.Add(KindLine, s.LineOfBusiness, at, t+ConsumerSegments, int64(n.Consumer.Segments))
		c.Add(KindLine, s.LineOfBusiness, at, t+SentMessages, int64(n.Agent.Messages+n.System.Messages))
		c.Add(KindLine, s.LineOfBusiness, at, t+SentSegments, int64(n.Agent.Segments+n.System.Segments))
	}
	return c
}

// tallyVisit counts one stay in a queue: offered there whatever happened next, handled
// where answered, abandoned where it ended waiting (a short abandon under the threshold).
func tallyVisit(c Counts, v session.QueueVisit, th Thresholds, at time.Time) {
	q := v.QueueID
	if v.How == session.LeftAfterHours {
		c.Add(KindQueue, q, at, AfterHours, 1)
		return
	}
	left := v.Left
	if left.IsZero() {
		left = at
	}
	wait := left.Sub(v.Entered)
	c.Add(KindQueue, q, at, Offered, 1)
	switch v.How {
	case session.LeftAnswered:
		c.Add(KindQueue, q, at, Handled, 1)
		if wait <= th.ServiceLevel {
			c.Add(KindQueue, q, at, InServiceLevel, 1)
		}
	case session.LeftOverflowed:
		c.Add(KindQueue, q, at, Overflowed, 1)
	case session.LeftEnded, "":
		if wait < th.ShortAbandon {
			c.Add(KindQueue, q, at, ShortAbandoned, 1)
			return // a short abandon's wait is left out of the waits
		}
		c.Add(KindQueue, q, at, Abandoned, 1)
	}
	c.Add(KindQueue, q, at, WaitSum, seconds(wait))
	c.Add(KindQueue, q, at, WaitCount, 1)
	c.Add(KindQueue, q, at, WaitMax, seconds(wait))
}

// Missed is what a missed offer adds to agentID's rollup at at.
func Missed(agentID string, at time.Time) Counts {
	c := Counts{}
	c.Add(KindAgent, agentID, at, MissedOffers, 1)
	return c
}

// StatusTime is what agentID's spell in status from from to to adds to their rollups, split
// across the UTC hours it spans.
func StatusTime(agentID, status string, from, to time.Time) Counts {
	c := Counts{}
	for t := from; t.Before(to); {
		next := t.Truncate(time.Hour).Add(time.Hour)
		if next.After(to) {
			next = to
		}
		if n := seconds(next.Sub(t)); n > 0 {
			c.Add(KindAgent, agentID, t, StatusSecondsPref+status, n)
		}
		t = next
	}
	return c
}

// ParseRollupID reads back what RollupID put in a rollup's name.
func ParseRollupID(doc string) (kind, id string, day time.Time, err error) {
	i, j := strings.Index(doc, "_"), strings.LastIndex(doc, "_")
	if i < 1 || j <= i+1 || len(doc)-j != 9 {
		return "", "", time.Time{}, fmt.Errorf("rollup %q is not kind_id_yyyymmdd", doc)
	}
	if day, err = time.Parse("20060102", doc[j+1:]); err != nil {
		return "", "", time.Time{}, fmt.Errorf("rollup %q: %w", doc, err)
	}
	return doc[:i], doc[i+1 : j], day, nil
}
