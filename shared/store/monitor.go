package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/firestore/apiv1/firestorepb"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// The reads of live monitoring. Each is bounded by what a supervisor's view shows: the live
// chats of their lines, today's ended chats up to a limit, the agents and queues of their
// lines, the scheduled messages up to a limit and one count per agent shown.

// LiveChats lists the chats not ended of the lines of business (every line when lines is
// nil), in no particular order.
func (s *Store) LiveChats(ctx context.Context, lines []string) ([]session.Session, error) {
	if lines == nil {
		return s.sessions(ctx, s.fs.Collection(colSessions).Where("state", "in", liveStates))
	}
	var out []session.Session
	for _, l := range lines {
		got, err := s.sessions(ctx, s.fs.Collection(colSessions).Where("lineOfBusiness", "==", l).Where("state", "in", liveStates))
		if err != nil {
			return nil, fmt.Errorf("live chats of %s: %w", l, err)
		}
		out = append(out, got...)
	}
	return out, nil
}

// WaitingAhead counts the chats waiting in queue queueID that an agent takes before a chat
// of the given priority queued at at (see ewt.State), with one count query on their
// session.QueueRank (index sessions_queued_rank): it costs one read per thousand chats
// counted, however many wait. A chat queued before QueueRank was kept is not counted.
func (s *Store) WaitingAhead(ctx context.Context, queueID string, priority int, at time.Time, inclusive bool) (int, error) {
	if err := checkID("queue", queueID); err != nil {
		return 0, err
	}
	rank := session.QueueRank(priority, at)
	q := s.fs.Collection(colSessions).Where("state", "==", string(session.Queued)).Where("queueId", "==", queueID).Where("queueRank", "<", rank)
	if inclusive {
		q = s.fs.Collection(colSessions).Where("state", "==", string(session.Queued)).Where("queueId", "==", queueID).Where("queueRank", "<=", rank)
	}
	n, err := count(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("chats waiting ahead in %s: %w", queueID, err)
	}
	return n, nil
}

// count runs a count query.
func count(ctx context.Context, q firestore.Query) (int, error) {
	res, err := q.NewAggregationQuery().WithCount("n").Get(ctx)
	if err != nil {
		return 0, err
	}
	v, ok := res["n"].(*firestorepb.Value)
	if !ok {
		return 0, fmt.Errorf("unexpected count answer %v", res["n"])
	}
	return int(v.GetIntegerValue()), nil
}

// EndedSince lists the chats of the lines (every line when lines is nil) that ended at or
// after since, the most recently ended first, at most limit; truncated reports that more
// ended since then.
func (s *Store) EndedSince(ctx context.Context, lines []string, since time.Time, limit int) (chats []session.Session, truncated bool, err error) {
	if lines == nil {
		chats, err = s.sessions(ctx, s.fs.Collection(colSessions).Where("endedAt", ">=", since).OrderBy("endedAt", firestore.Desc).Limit(limit+1))
	} else {
		for _, l := range lines {
			got, qerr := s.sessions(ctx, s.fs.Collection(colSessions).Where("lineOfBusiness", "==", l).Where("endedAt", ">=", since).OrderBy("endedAt", firestore.Desc).Limit(limit+1))
			if qerr != nil {
				return nil, false, fmt.Errorf("chats of %s ended since %s: %w", l, since.Format(time.RFC3339), qerr)
			}
			chats = append(chats, got...)
		}
		slices.SortFunc(chats, func(a, b session.Session) int { return b.EndedAt.Compare(a.EndedAt) })
	}
	if err != nil {
		return nil, false, fmt.Errorf("chats ended since %s: %w", since.Format(time.RFC3339), err)
	}
	if len(chats) > limit {
		return chats[:limit], true, nil
	}
	return chats, false, nil
}

// AgentsOfLines lists the agents serving a queue of any of the lines (every agent when lines
// is nil).
func (s *Store) AgentsOfLines(ctx context.Context, lines []string) ([]agent.Agent, error) {
	var out []agent.Agent
	if lines == nil {
		if err := readAll(ctx, s.fs.Collection(colAgents), &out); err != nil {
			return nil, fmt.Errorf("agents: %w", err)
		}
		return out, nil
	}
	seen := map[string]bool{}
	// Firestore takes at most 30 values for array-contains-any.
	for chunk := range slices.Chunk(lines, 30) {
		var got []agent.Agent
		if err := readAll(ctx, s.fs.Collection(colAgents).Where("servesLines", "array-contains-any", chunk), &got); err != nil {
			return nil, fmt.Errorf("agents of lines %v: %w", chunk, err)
		}
		for _, a := range got {
			if !seen[a.ID] {
				seen[a.ID] = true
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// Queues lists every configured queue.
func (s *Store) Queues(ctx context.Context) ([]config.Queue, error) {
	var out []config.Queue
	if err := readAll(ctx, s.fs.Collection(colQueues), &out); err != nil {
		return nil, fmt.Errorf("queues: %w", err)
	}
	return out, nil
}

// Numbers lists every configured business number.
func (s *Store) Numbers(ctx context.Context) ([]config.Number, error) {
	var out []config.Number
	if err := readAll(ctx, s.fs.Collection(colNumbers), &out); err != nil {
		return nil, fmt.Errorf("numbers: %w", err)
	}
	return out, nil
}

// Scheduled is a stand-alone message (a notification or a bulk text) waiting for its time.
type Scheduled struct {
	ID    string // the message's document id
	Entry session.Entry
}

// ScheduledAfter lists the stand-alone messages to consumers due after t (notBefore > t),
// the soonest first, at most limit; truncated reports that more are due later. Whatever their
// status: a message due later has not been sent.
func (s *Store) ScheduledAfter(ctx context.Context, t time.Time, limit int) (out []Scheduled, truncated bool, err error) {
	docs, err := s.fs.CollectionGroup(subMessages).Where("notBefore", ">", t).OrderBy("notBefore", firestore.Asc).Limit(limit + 1).Documents(ctx).GetAll()
	if err != nil {
		return nil, false, fmt.Errorf("messages due after %s: %w", t.Format(time.RFC3339), err)
	}
	for _, d := range docs {
		var e session.Entry
		if err := d.DataTo(&e); err != nil {
			return nil, false, fmt.Errorf("decode %s: %w", d.Ref.Path, err)
		}
		e.Fold()
		out = append(out, Scheduled{ID: d.Ref.ID, Entry: e})
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// MissedOffersSince counts, per agent, the offers the agent missed at or after since (the
// missedOffers collection). It runs one count aggregation per agent: each costs one read per
// 1,000 offers counted (at least one), so the cost follows the agents shown, not a busy day's
// offers.
func (s *Store) MissedOffersSince(ctx context.Context, agentIDs []string, since time.Time) (map[string]int, error) {
	out := make(map[string]int, len(agentIDs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(agentIDs))
	sem := make(chan struct{}, 8)
	for i, id := range agentIDs {
		if checkID("agent", id) != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			n, err := count(ctx, s.fs.Collection(colMissedOffers).Where("agentId", "==", id).Where("at", ">=", since))
			if err != nil {
				errs[i] = fmt.Errorf("count missed offers of %s: %w", id, err)
				return
			}
			mu.Lock()
			out[id] = n
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
