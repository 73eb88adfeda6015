package ewt

import (
	"context"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/session"
)

// countingState counts what an estimate reads.
type countingState struct{ waiting, ended, agents int }

func (c *countingState) WaitingChats(context.Context, string) ([]session.Session, error) {
	c.waiting++
	return []session.Session{{ID: "w", QueueID: "q", State: session.Queued}}, nil
}

func (c *countingState) EndedSince(context.Context, []string, time.Time, int) ([]session.Session, bool, error) {
	c.ended++
	return nil, false, nil
}

func (c *countingState) AgentsOfLines(context.Context, []string) ([]agent.Agent, error) {
	c.agents++
	return []agent.Agent{{ID: "a", ServesQueues: []string{"q"}, Status: agent.Available, Capacity: 1}}, nil
}

// TestAnEstimateWithinTheCacheLifeReadsNoEndedChats: the line's ended chats are read once
// per cache life; the waiting chats (a place in line) and the agents (their free capacity)
// every time.
func TestAnEstimateWithinTheCacheLifeReadsNoEndedChats(t *testing.T) {
	ctx := context.Background()
	st := &countingState{}
	e := NewEstimator(st, 50*time.Millisecond)
	for range 3 {
		l, err := e.LoadLine(ctx, "shop", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if q := l.Queue("q"); len(q.Queued) != 1 || len(q.Agents) != 1 {
			t.Fatalf("queue q: %+v, want the waiting chat and the agent", q)
		}
	}
	if *st != (countingState{waiting: 3, ended: 1, agents: 3}) {
		t.Errorf("three estimates read %+v, want the waiting chats and agents 3 times, the ended chats once", *st)
	}
	time.Sleep(60 * time.Millisecond)
	if _, err := e.LoadLine(ctx, "shop", time.Now()); err != nil {
		t.Fatal(err)
	}
	if st.ended != 2 {
		t.Errorf("after the cache life: %+v, want the ended chats read again", *st)
	}
	var zero Estimator
	zero.State = st
	if _, err := zero.LoadLine(ctx, "shop", time.Now()); err != nil || st.ended != 3 {
		t.Errorf("the zero Estimator cached: %+v, %v", *st, err)
	}
}
