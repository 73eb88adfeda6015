package ewt

import (
	"context"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/session"
)

// countingState counts what an estimate reads.
type countingState struct{ waiting, ended, agents, room int }

func (c *countingState) WaitingAhead(context.Context, string, int, time.Time, bool) (int, error) {
	c.waiting++
	return 1, nil
}

func (c *countingState) EndedSince(context.Context, []string, time.Time, int) ([]session.Session, bool, error) {
	c.ended++
	return nil, false, nil
}

func (c *countingState) AgentsWithRoom(context.Context, string, int) ([]agent.Agent, error) {
	c.room++
	return []agent.Agent{{ID: "a", ServesQueues: []string{"q"}, Status: agent.Available, Capacity: 1}}, nil
}

func (c *countingState) AgentsOfLines(context.Context, []string) ([]agent.Agent, error) {
	c.agents++
	return []agent.Agent{{ID: "a", ServesQueues: []string{"q"}, Status: agent.Available, Capacity: 1}}, nil
}

// TestAnEstimateWithinTheCacheLifeReadsNoEndedChats: the line's agents (its staffing) and
// ended chats are read once per cache life; the chats ahead (a place in line) are counted and
// the agents with room (the free capacity) read every time.
func TestAnEstimateWithinTheCacheLifeReadsNoEndedChats(t *testing.T) {
	ctx := context.Background()
	st := &countingState{}
	e := NewEstimator(st, 50*time.Millisecond)
	for range 3 {
		l, err := e.LoadLine(ctx, "shop", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		est, err := l.Join(ctx, "q", 0, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if est.Position != 2 || est.Unstaffed {
			t.Fatalf("joining q: %+v, want number 2 (one ahead) with the agent serving it", est)
		}
	}
	if *st != (countingState{waiting: 3, ended: 1, agents: 1, room: 3}) {
		t.Errorf("three estimates read %+v, want the chats ahead counted and the agents with room read 3 times, the line's agents and ended chats once", *st)
	}
	time.Sleep(60 * time.Millisecond)
	if _, err := e.LoadLine(ctx, "shop", time.Now()); err != nil {
		t.Fatal(err)
	}
	if st.ended != 2 || st.agents != 2 {
		t.Errorf("after the cache life: %+v, want the line's agents and ended chats read again", *st)
	}
	var zero Estimator
	zero.State = st
	if _, err := zero.LoadLine(ctx, "shop", time.Now()); err != nil || st.ended != 3 {
		t.Errorf("the zero Estimator cached: %+v, %v", *st, err)
	}
}
