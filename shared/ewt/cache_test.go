package ewt

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
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

func (c *countingState) AgentsWithRoom(context.Context, string, string, int) ([]agent.Agent, error) {
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
	if _, err := e.Estimate(ctx, "shop", "q", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	if st.ended != 2 || st.agents != 2 {
		t.Errorf("after the cache life: %+v, want the line's agents and ended chats read again", *st)
	}
	var zero Estimator
	zero.State = st
	if _, err := zero.Estimate(ctx, "shop", "q", 0, time.Now()); err != nil || st.ended != 3 {
		t.Errorf("the zero Estimator cached: %+v, %v", *st, err)
	}
}

// TestAChatThatGoesAtOnceReadsNoneOfTheLinesAgents: when the agents with room have more of
// it than the chats ahead, the chat is told it goes at once without reading the line's
// agents or ended chats: those are read whole, so reading them would cost reads that grow
// with the line's agents (a thousand agents: a thousand reads per instance per cache life).
func TestAChatThatGoesAtOnceReadsNoneOfTheLinesAgents(t *testing.T) {
	ctx := context.Background()
	st := &roomState{ahead: 0, agents: []agent.Agent{{ID: "a", ServesQueues: []string{"q"}, Status: agent.Available, Capacity: 2}}}
	est, err := NewEstimator(st, time.Minute).Estimate(ctx, "shop", "q", 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if est.Position != 1 || est.Wait != MessageAllowance || est.Unstaffed {
		t.Errorf("joining q with an agent free: %+v, want number 1, at once", est)
	}
	if st.countingState.agents != 0 || st.countingState.ended != 0 {
		t.Errorf("the estimate read the line's agents %d times and its ended chats %d; want neither", st.countingState.agents, st.countingState.ended)
	}
	st.ahead = 2 // the agent's room is taken: the wait is sized by the line's agents
	if est, err = NewEstimator(st, time.Minute).Estimate(ctx, "shop", "q", 0, time.Now()); err != nil || est.Position != 3 {
		t.Fatalf("joining behind 2: %+v, %v; want number 3", est, err)
	}
	if st.countingState.agents != 1 || st.countingState.ended != 1 {
		t.Errorf("a chat that waits read the line's agents %d times and its ended chats %d; want once each", st.countingState.agents, st.countingState.ended)
	}
}

// roomState has agents with room, in id order, and counts those read.
type roomState struct {
	countingState
	agents []agent.Agent
	read   int
	ahead  int
}

func (r *roomState) WaitingAhead(context.Context, string, int, time.Time, bool) (int, error) {
	return r.ahead, nil
}

func (r *roomState) AgentsWithRoom(_ context.Context, _, after string, limit int) ([]agent.Agent, error) {
	var out []agent.Agent
	for _, a := range r.agents {
		if a.ID > after && len(out) < limit {
			out = append(out, a)
		}
	}
	r.read += len(out)
	return out, nil
}

// TestFreeCapacityReadsAgentsWithRoomUntilEnough: of 25 agents with room for two chats each,
// an estimate reads as many as it takes for their room to pass the chats ahead: one when
// none is ahead, two pages when 25 are, and all of them when more are ahead than they can
// take, whose wait then counts the whole free capacity.
func TestFreeCapacityReadsAgentsWithRoomUntilEnough(t *testing.T) {
	ctx := context.Background()
	st := &roomState{}
	for i := range 25 {
		st.agents = append(st.agents, agent.Agent{ID: fmt.Sprintf("a%02d", i), ServesQueues: []string{"q"}, Status: agent.Available, Capacity: 2})
	}
	l, err := LoadLine(ctx, st, "shop", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l.Agents = st.agents // the line's staffing: every agent online
	for _, c := range []struct {
		ahead, read int
		wait        time.Duration
	}{
		{0, 1, MessageAllowance},
		{25, 20, MessageAllowance},
		{60, 25, DefaultHandleTime*11/50 + MessageAllowance}, // 61 − 50 free, over 50 slots
	} {
		st.ahead, st.read = c.ahead, 0
		e, err := l.Join(ctx, "q", 0, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if st.read != c.read || e.Wait != c.wait || e.Position != c.ahead+1 {
			t.Errorf("%d ahead: read %d agents, wait %v, number %d; want %d, %v, %d", c.ahead, st.read, e.Wait, e.Position, c.read, c.wait, c.ahead+1)
		}
	}
}

// slowState answers the line's agents slowly and counts the loads.
type slowState struct {
	countingState
	loads atomic.Int64
}

func (s *slowState) AgentsOfLines(context.Context, []string) ([]agent.Agent, error) {
	s.loads.Add(1)
	time.Sleep(50 * time.Millisecond)
	return []agent.Agent{{ID: "a", ServesQueues: []string{"q"}, Status: agent.Available, Capacity: 1}}, nil
}

func (s *slowState) WaitingAhead(context.Context, string, int, time.Time, bool) (int, error) {
	return 0, nil
}

func (s *slowState) AgentsWithRoom(context.Context, string, string, int) ([]agent.Agent, error) {
	return nil, nil
}

func (s *slowState) EndedSince(context.Context, []string, time.Time, int) ([]session.Session, bool, error) {
	return nil, false, nil
}

// TestChatsJoiningTogetherLoadTheLineOnce: twenty chats joining a queue at once, with nothing
// cached yet, wait for one load of the line's agents, not one each.
func TestChatsJoiningTogetherLoadTheLineOnce(t *testing.T) {
	st := &slowState{}
	e := NewEstimator(st, time.Minute)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := e.Estimate(context.Background(), "shop", "q", 0, time.Now()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := st.loads.Load(); n != 1 {
		t.Errorf("20 estimates at once loaded the line %d times, want once", n)
	}
}
