package localrun_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

// queueFixture is a number whose entry queue holds chats at once, with agents of capacity cap.
func queueFixture(t *testing.T, agents, capacity int) (number, queue string, tokens []string) {
	t.Helper()
	n := fixtureSeq.Add(1)
	p := fmt.Sprintf("r%d", n)
	number, queue = fmt.Sprintf("+1800888%04d", n), p+"-q"
	c := config.Catalog{
		Numbers: []config.Number{{Number: number, LineOfBusiness: p, EntryQueue: queue, DefaultLanguage: "en", Brand: "Race", MPS: 500}},
		Queues:  []config.Queue{{ID: queue, Name: "Queue", LineOfBusiness: p}},
	}
	for i := 0; i < agents; i++ {
		tok := fmt.Sprintf("token-%s-%d", p, i)
		tokens = append(tokens, tok)
		c.Agents = append(c.Agents, config.Agent{ID: fmt.Sprintf("%s-a%d", p, i), Name: fmt.Sprintf("Agent %d", i), Queues: []string{queue}, Capacity: capacity, Languages: []string{"en"}, Token: tok})
	}
	loadCatalog(t, c)
	return number, queue, tokens
}

// queueChats has n new consumers text number at once and waits until every chat is queued.
func queueChats(t *testing.T, ctx context.Context, number string, n int) []string {
	t.Helper()
	phones := make([]string, n)
	var wg sync.WaitGroup
	for i := range phones {
		phones[i] = consumerPhone()
		wg.Add(1)
		go func() { defer wg.Done(); text(t, phones[i], number, "hello") }()
	}
	wg.Wait()
	for _, p := range phones {
		expectSMS(t, ctx, p, 2, "in line")
	}
	return phones
}

// TestAgentsRacingForChats: 100 queued chats, 10 agents of capacity 3 going available at once
// and ending each chat as soon as they get it. Every chat is assigned exactly once, no agent
// ever holds more than 3, and chats are served in queue order.
func TestAgentsRacingForChats(t *testing.T) {
	const chats, agents, capacity = 100, 10, 3
	number, _, tokens := queueFixture(t, agents, capacity)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	phones := queueChats(t, ctx, number, chats)
	var wg sync.WaitGroup
	start := time.Now()
	t.Logf("%d chats queued", chats)

	var mu sync.Mutex
	servedBy := map[string]int{} // chat → agent
	var order []string           // chats in the order agents first saw them
	overCapacity := 0
	for a, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			api(t, tok, "PUT", "/status", map[string]string{"status": "available"}, nil)
			for ctx.Err() == nil {
				var res struct{ Chats []chatJSON }
				if code := api(t, tok, "GET", "/chats", nil, &res); code != http.StatusOK {
					t.Errorf("GET /chats = %d", code)
					return
				}
				mu.Lock()
				if len(res.Chats) > capacity {
					overCapacity++
				}
				for _, c := range res.Chats {
					if prev, seen := servedBy[c.ID]; seen && prev != a {
						t.Errorf("chat %s given to agents %d and %d", c.ID, prev, a)
					} else if !seen {
						servedBy[c.ID] = a
						order = append(order, c.ID)
					}
				}
				done := len(servedBy) == chats
				mu.Unlock()
				for _, c := range res.Chats {
					if code := api(t, tok, "POST", "/chats/"+c.ID+"/end", nil, nil); code != http.StatusOK {
						t.Errorf("end %s = %d", c.ID, code)
					}
				}
				if done {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d chats served in %v", len(servedBy), time.Since(start))
	if len(servedBy) != chats {
		t.Fatalf("%d of %d chats served", len(servedBy), chats)
	}
	if overCapacity > 0 {
		t.Errorf("an agent held more than %d chats %d times", capacity, overCapacity)
	}
	for _, p := range phones {
		expectSMS(t, ctx, p, 4, "This chat has ended")
		n := 0
		for _, m := range sentTo(p) {
			if len(m.Body) > 20 && m.Body[:20] == "You're now chatting " {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s was told of %d assignments", p, n)
		}
	}
	// Served in queue order: sort by queue time and compare with assignment time. Agents work
	// in parallel, so a chat may overtake one queued just before it, never by more than the
	// number of agents.
	type rec struct {
		id               string
		queued, assigned time.Time
	}
	recs := make([]rec, 0, chats)
	for id := range servedBy {
		s, err := runner.Store.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec{id, s.QueuedAt, s.AssignedAt})
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].queued.Before(recs[j].queued) })
	for i := range recs {
		for j := i + agents + 1; j < len(recs); j++ {
			if recs[j].assigned.Before(recs[i].assigned) {
				t.Errorf("chat queued #%d was assigned before chat queued #%d", j+1, i+1)
			}
		}
	}
}

// TestAgentsComingOnlineTogetherTakeTheWholeBacklog: agents who race for the same oldest
// chats keep looking, so a backlog that fits their capacity is assigned entirely.
func TestAgentsComingOnlineTogetherTakeTheWholeBacklog(t *testing.T) {
	const chats, agents, capacity = 40, 10, 4
	number, _, tokens := queueFixture(t, agents, capacity)
	ctx := testCtx(t)
	phones := queueChats(t, ctx, number, chats)
	var wg sync.WaitGroup
	for _, tok := range tokens {
		wg.Add(1)
		go func() { defer wg.Done(); api(t, tok, "PUT", "/status", map[string]string{"status": "available"}, nil) }()
	}
	wg.Wait()
	for _, p := range phones {
		expectSMS(t, ctx, p, 3, "You're now chatting")
	}
	held := 0
	for _, tok := range tokens {
		var list struct{ Chats []chatJSON }
		api(t, tok, "GET", "/chats", nil, &list)
		if len(list.Chats) > capacity {
			t.Errorf("an agent holds %d chats", len(list.Chats))
		}
		held += len(list.Chats)
	}
	if held != chats {
		t.Errorf("agents hold %d chats, want %d", held, chats)
	}
}
