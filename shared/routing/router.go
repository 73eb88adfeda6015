package routing

import (
	"context"
	"log/slog"
	"sort"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Store is what assignment reads and changes.
type Store interface {
	// IdlestAgents lists up to limit available agents with room serving a queue, longest idle
	// first, after agent after when set.
	IdlestAgents(ctx context.Context, queueID string, after *Agent, limit int) ([]Agent, error)
	QueuedChats(ctx context.Context, queues []string, limit int) ([]session.Session, error)
	Agent(ctx context.Context, id string) (Agent, error)
	Line(ctx context.Context, number string) (config.Line, error)
	// Assign atomically gives a still-queued chat to the first still-free agent of candidates
	// decide accepts, or offers it to them (decide leaves the chat waiting with its offer), and
	// records the follow-ups decide returns with it. Each candidate is as the caller read them:
	// with a Version, the store need not read them again.
	Assign(ctx context.Context, sessionID string, candidates []Agent, now time.Time, decide func(*session.Session, Agent) (session.Entry, followup.Followups, bool)) (followup.Record, bool, error)
}

// Followups carries out what a committed assignment left to do (followup.Executor).
type Followups interface {
	AfterCommit(ctx context.Context, r followup.Record) error
}

// Router assigns queued chats.
type Router struct {
	Store     Store
	Followups Followups
	Log       *slog.Logger
}

// Pages of the longest-idle available agents with room a chat joining a queue is offered to:
// its reads are bounded by these, whatever the number of agents. The store leaves out agents
// at capacity, so the longest idle nearly always takes the chat: the first page is that one
// agent alone, and the next pages cover 45 more for chats they cannot take (offers, a race).
// When other chats took every agent of the pages first (many chats arriving at once), the
// chat looks again from the longest idle, up to assignRounds times: the agents taken have
// left the pages, and those still free come into them. A chat none of them can take waits
// for the next agent to free capacity (FillAgent) or the sweep (followup.Relay).
const (
	firstPage    = 1
	assignPage   = 3
	assignPages  = 16
	assignRounds = 4
)

// AssignChat tries to give one queued chat to the longest-idle available agent who serves its
// queue, speaks its language and has free capacity, looking at up to assignPages pages of the
// longest idle (the first of one agent), again while other chats take the agents first. No
// such agent leaves the chat queued; a chat that no longer waits is left as it is.
func (r *Router) AssignChat(ctx context.Context, s session.Session) error {
	seen := 0
	for range assignRounds {
		tried, done, err := r.assignFromPages(ctx, s, &seen)
		if err != nil || done {
			return err
		}
		if tried == 0 {
			break // no agent of the pages could take it, whatever other chats do
		}
	}
	r.Log.Info("chat waits: no free agent", "session", s.ID, "queue", s.QueueID, "agentsSeen", seen)
	return nil
}

// assignFromPages offers chat s to the pages of the longest idle, adding the agents read to
// seen. It returns how many agents it offered the chat to, and done when one took it or the
// chat no longer waits.
func (r *Router) assignFromPages(ctx context.Context, s session.Session, seen *int) (tried int, done bool, err error) {
	var after *Agent
	for n := range assignPages {
		limit := assignPage
		if n == 0 {
			limit = firstPage
		}
		page, err := r.Store.IdlestAgents(ctx, s.QueueID, after, limit)
		if err != nil {
			return tried, false, err
		}
		*seen += len(page)
		if cands := Candidates(page, s); len(cands) > 0 {
			tried += len(cands)
			ok, waits, err := r.assign(ctx, s, cands)
			if err != nil || ok || !waits {
				return tried, true, err
			}
		}
		if len(page) < limit {
			break
		}
		after = &page[len(page)-1]
	}
	return tried, false, nil
}

// FillAgent gives a free agent the oldest chats waiting in their queues until full. Agents
// coming online together race for the same oldest chats; a loser looks again at what is
// still waiting rather than giving up, so no chat is left behind while capacity is free.
func (r *Router) FillAgent(ctx context.Context, agentID string) error {
	return r.FillAgentWith(ctx, agentID, nil)
}

// FillAgentWith is FillAgent with only the waiting chats take accepts (every chat when take
// is nil): the relay leaves chats whose own follow-ups are pending to them, so that a chat's
// own messages come before its assignment.
func (r *Router) FillAgentWith(ctx context.Context, agentID string, take func(session.Session) bool) error {
	for round := 0; round < 50; round++ {
		a, err := r.Store.Agent(ctx, agentID)
		if err != nil {
			return err
		}
		if !a.Free() {
			return nil // not available, disabled or full
		}
		free := a.Capacity - a.Load()
		chats, err := r.Store.QueuedChats(ctx, a.ServesQueues, free*4)
		if err != nil {
			return err
		}
		tried := 0
		for _, s := range chats {
			if free == 0 {
				break
			}
			if !a.Speaks(s.Language) || !Open(s, agentID) || (take != nil && !take(s)) {
				continue
			}
			tried++
			// Not a: after this agent's first chat of the round, its Version is stale.
			ok, _, err := r.assign(ctx, s, []Agent{{ID: agentID}})
			if err != nil {
				return err
			}
			if ok {
				free--
			}
		}
		if tried == 0 || free == 0 {
			return nil // nothing this agent can take is waiting, or the agent is full
		}
	}
	return nil
}

// assign gives chat s to the first of candidates who takes it (routing.Store's Assign).
func (r *Router) assign(ctx context.Context, s session.Session, candidates []Agent) (ok, waits bool, err error) {
	line, err := r.Store.Line(ctx, s.Business)
	if err != nil {
		return false, true, err
	}
	now := time.Now()
	offered, agentID := false, ""
	waits = true
	rec, ok, err := r.Store.Assign(ctx, s.ID, candidates, now, func(s *session.Session, a Agent) (session.Entry, followup.Followups, bool) {
		// As read: a chat taken, offered or left meanwhile waits for no agent of the pages.
		waits = s.State == session.Queued && s.Offer == nil
		e, then, ok := Take(line, s, a, now)
		offered, agentID = s.Offer != nil, a.ID
		return e, then, ok
	})
	if err != nil || !ok {
		return false, waits, err
	}
	if offered {
		r.Log.Info("chat offered", "session", s.ID, "agent", agentID, "queue", s.QueueID)
	} else {
		r.Log.Info("chat assigned", "session", s.ID, "agent", agentID, "queue", s.QueueID)
	}
	if err := r.Followups.AfterCommit(ctx, rec); err != nil {
		// The assignment stands; the relay sends the notice and announces it.
		r.Log.Error("follow-ups of the assignment not carried out yet", "session", s.ID, "agent", agentID, "err", err)
	}
	return true, false, nil
}

// Take decides giving chat s to agent a at now, on the chat and agent about to be committed:
// unless MayTake refuses (false), an auto-answer agent gets the chat (it is marked assigned,
// with what Assigned writes and leaves to do) and a manual-answer agent is offered it (Offered:
// no entry, the chat keeps waiting until they accept).
func Take(line config.Line, s *session.Session, a Agent, now time.Time) (session.Entry, followup.Followups, bool) {
	if !MayTake(*s, a) {
		return session.Entry{}, followup.Followups{}, false
	}
	if a.Manual() {
		s.OfferTo(a.ID, now, line.OfferWindow())
		return session.Entry{}, Offered(line, s), true
	}
	s.AssignTo(a.ID, now)
	e, then := Assigned(line, s, a)
	return e, then, true
}

// Assigned is what giving chat s (already marked assigned) to agent a writes and leaves to
// do: the consumer's "assigned" message, the chat's new timers, and the connected event (the
// CRM records the chat from then on).
func Assigned(line config.Line, s *session.Session, a Agent) (session.Entry, followup.Followups) {
	e := session.Entry{
		Author: session.FromSystem, Kind: "assigned", AgentID: a.ID, Status: session.StatusPending,
		Body: line.Message("assigned", s.Language, s.QueueID, map[string]string{"agent": a.Name}),
	}
	return e, followup.Followups{
		Events: []chatevents.Event{{Type: chatevents.Connected, SessionID: s.ID}},
		Timers: session.Plan(line, s),
	}
}

// MayTake reports whether agent a may be given (or offered) chat s now: the chat still waits
// in its queue, offered to nobody, the agent has not missed an offer of it, and they are
// available with free capacity (offers count). Take checks it on the chat and agent the store
// is about to commit, so a chat never goes to two agents nor an agent over capacity.
func MayTake(s session.Session, a Agent) bool {
	return Open(s, a.ID) && a.Free()
}

// Open reports whether waiting chat s may go to agentID: it is offered to nobody and agentID
// has not missed an offer of it.
func Open(s session.Session, agentID string) bool {
	return s.State == session.Queued && s.Offer == nil && !s.Missed(agentID)
}

// Eligible reports whether agent a may be offered a chat of queue now, whatever its
// language: the agent serves the queue and is available with free capacity.
func Eligible(a Agent, queue string) bool { return a.Free() && a.Serves(queue) }

// Candidates are the agents who may take chat s now, longest idle first.
func Candidates(agents []Agent, s session.Session) []Agent {
	out := make([]Agent, 0, len(agents))
	for _, a := range agents {
		if Eligible(a, s.QueueID) && a.Speaks(s.Language) {
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].IdleSince().Before(out[j].IdleSince()) })
	return out
}
