package followup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Sender hands stored messages to the sender.
type Sender interface {
	Send(ctx context.Context, paths ...string) error
}

// Announcer publishes chat events and says whether they were published.
type Announcer interface {
	Announce(ctx context.Context, e chatevents.Event) error
}

// Scheduler schedules timers.
type Scheduler interface {
	Schedule(ctx context.Context, timers ...session.Timer) error
}

// Router offers queued chats to agents and fills freed agents.
type Router interface {
	AssignChat(ctx context.Context, s session.Session) error
	FillAgent(ctx context.Context, agentID string) error
}

// Notices adds agents' notices, each once by its id.
type Notices interface {
	SupervisorIDs(ctx context.Context, queueID string) ([]string, error)
	AddNotice(ctx context.Context, agentID, id string, n Notice) error
}

// Tallier adds an ended chat's figures, or a stand-alone text the carrier accepted, to the
// report rollups, once however often asked.
type Tallier interface {
	Tally(ctx context.Context, chatID string) error
	TallyText(ctx context.Context, path string) error
}

// Outbox marks records done, and keeps in a document of their own records that ride on a
// message (whose claim by the sender would mark them done) when some of their follow-ups
// failed.
type Outbox interface {
	Done(ctx context.Context, r Record) error
	Keep(ctx context.Context, r Record) error
}

// DefaultBudget is how long a caller that answers a person (an API call) waits for the
// follow-ups of its change before answering what was committed; the relay does the rest.
const DefaultBudget = 5 * time.Second

// Executor carries out committed follow-ups: the one piece of code that does, for every kind
// of chat change, what the change left to do after its commit.
type Executor struct {
	Sender  Sender
	Events  Announcer
	Timers  Scheduler
	Notices Notices
	Tallies Tallier
	// Router is set once the router exists (the router's own changes go through the executor).
	Router Router
	Outbox Outbox
	Log    *slog.Logger
	// Budget bounds Settle; zero is DefaultBudget.
	Budget time.Duration
	// Interrupt, when set, leaves the records it matches undone right after their commit, as
	// a crash between the commit and the publish would (fault tests). The relay still carries
	// them out.
	Interrupt func(Record) bool
}

// AfterCommit carries out the follow-ups of a change that just committed. An error leaves the
// record in the outbox, for the relay.
func (x *Executor) AfterCommit(ctx context.Context, r Record) error {
	if x.Interrupt != nil && x.Interrupt(r) {
		x.log().Warn("follow-ups interrupted after the commit", "session", r.SessionID, "record", r.ID)
		return nil
	}
	return x.Run(ctx, r)
}

// Settle is AfterCommit for callers that answer what was committed whatever happens next (the
// APIs): it waits at most the budget and logs a failure instead of returning it, as the relay
// carries out what is left.
func (x *Executor) Settle(ctx context.Context, r Record) {
	budget := x.Budget
	if budget == 0 {
		budget = DefaultBudget
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	if err := x.AfterCommit(ctx, r); err != nil {
		x.log().Error("follow-ups not carried out yet; the relay will", "session", r.SessionID, "record", r.ID, "err", err)
	}
}

// Run carries out every follow-up of r: events, timers, notices, then the sends (so that once
// the last message is published, everything the record must keep was done), the tallies
// (before the sends when the record rides on its last message), then the assignments and
// fills (after the chat's own messages, which share its ordering key). A
// failing follow-up does not stop the others; when any failed, r is not marked done and the
// failures are returned. Running a record twice is harmless.
func (x *Executor) Run(ctx context.Context, r Record) error { return x.run(ctx, r, false) }

func (x *Executor) run(ctx context.Context, r Record, relay bool) error {
	var errs []error
	fail := func(what string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	for _, e := range r.Events {
		fail("chat event "+e.Type, x.Events.Announce(ctx, e))
	}
	if len(r.Timers) > 0 {
		fail("timers", x.Timers.Schedule(ctx, r.Timers...))
	}
	for i, n := range r.Notices {
		fail("notice "+n.Type, x.notify(ctx, fmt.Sprintf("%s-%d", r.ID, i), n))
	}
	// A record riding on its last message is marked done by the sender's claim of it, so what
	// it keeps goes before its sends; one in the outbox tallies after them, so that a tally
	// waiting on a busy rollup document never holds up the consumer's messages (records with
	// tallies go to the outbox: store.writeChange).
	tallyFirst := r.Riding
	if tallyFirst {
		x.tally(ctx, r, fail)
	}
	if len(errs) > 0 && r.Riding {
		// The sender's claim of the last message would mark the record done: keep it first.
		if err := x.Outbox.Keep(ctx, r); err != nil {
			errs = append(errs, fmt.Errorf("keep: %w", err))
			return fmt.Errorf("follow-ups %s (messages not sent yet): %w", r.ID, errors.Join(errs...))
		}
		r.Riding = false
	}
	if len(r.Send) > 0 {
		fail("send", x.Sender.Send(ctx, r.Send...))
	}
	if !tallyFirst {
		x.tally(ctx, r, fail)
	}
	for _, q := range r.Assign {
		fail("assign "+q.SessionID, x.Router.AssignChat(ctx, q.Session()))
	}
	for _, a := range r.Fill {
		fail("fill agent "+a, x.Router.FillAgent(ctx, a))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("follow-ups %s: %w", r.ID, err)
	}
	// A record riding on its last message is marked done by the sender's claim of it; only
	// the relay, which finds those the sender never claimed, marks them itself.
	if r.Stored && (relay || !r.Riding) {
		if err := x.Outbox.Done(ctx, r); err != nil {
			return fmt.Errorf("mark follow-ups %s done: %w", r.ID, err)
		}
	}
	return nil
}

// tally adds r's chats and stand-alone texts to the reports' rollups.
func (x *Executor) tally(ctx context.Context, r Record, fail func(string, error)) {
	for _, id := range r.Tally {
		if x.Tallies == nil {
			fail("tally "+id, errors.New("no tallier configured"))
			continue
		}
		fail("tally "+id, x.Tallies.Tally(ctx, id))
	}
	for _, path := range r.TallyTexts {
		if x.Tallies == nil {
			fail("tally text "+path, errors.New("no tallier configured"))
			continue
		}
		fail("tally text "+path, x.Tallies.TallyText(ctx, path))
	}
}

// notify adds notice n to its agent's feed and, when it names a queue, to the feeds of that
// queue's supervisors, once each.
func (x *Executor) notify(ctx context.Context, id string, n Notice) error {
	to := []string{n.To}
	if n.SupervisorsOf != "" {
		sups, err := x.Notices.SupervisorIDs(ctx, n.SupervisorsOf)
		if err != nil {
			return err
		}
		for _, s := range sups {
			if !slices.Contains(to, s) {
				to = append(to, s)
			}
		}
	}
	var errs []error
	for _, a := range to {
		if a == "" {
			continue
		}
		errs = append(errs, x.Notices.AddNotice(ctx, a, id, n))
	}
	return errors.Join(errs...)
}

func (x *Executor) log() *slog.Logger {
	if x.Log == nil {
		return slog.Default()
	}
	return x.Log
}

// Pending lists recorded follow-ups written before a time.
type Pending interface {
	PendingFollowups(ctx context.Context, before time.Time, limit int) ([]Record, error)
}

// FreeAgents lists the agents who are available with free capacity.
type FreeAgents interface {
	FreeAgentIDs(ctx context.Context) ([]string, error)
}

// Filler gives an agent the waiting chats take accepts.
type Filler interface {
	FillAgentWith(ctx context.Context, agentID string, take func(session.Session) bool) error
}

// Relay carries out what a crash or a stall left behind.
type Relay struct {
	Outbox   Pending
	Executor *Executor
	// Agents, when set, are given by Filler the chats waiting longer than the grace that
	// they can take, on every sweep: an assignment or a fill that a crash left undone is
	// recorded in the chats and agents themselves.
	Agents FreeAgents
	Filler Filler
}

// Sweep carries out every record older than grace (younger ones may still be carried out by
// their own change), then fills every free agent with the chats that waited longer than
// grace and have no follow-ups pending. It returns how many records it carried out; a
// record that fails again stays for the next sweep.
func (r *Relay) Sweep(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	recs, err := r.Outbox.PendingFollowups(ctx, now, 500)
	if err != nil {
		return 0, fmt.Errorf("list pending follow-ups: %w", err)
	}
	log := r.Executor.log()
	done := 0
	busy := map[string]bool{} // chats whose own follow-ups are still to come
	cutoff := now.Add(-grace)
	for _, rec := range recs {
		if !rec.At.Before(cutoff) {
			busy[rec.SessionID] = true
			continue
		}
		if err := r.Executor.run(ctx, rec, true); err != nil {
			log.Error("relay: follow-ups failed again", "session", rec.SessionID, "record", rec.ID, "err", err)
			busy[rec.SessionID] = true
			continue
		}
		log.Info("relay: follow-ups carried out", "session", rec.SessionID, "record", rec.ID)
		done++
	}
	if r.Agents == nil || r.Filler == nil {
		return done, nil
	}
	free, err := r.Agents.FreeAgentIDs(ctx)
	if err != nil {
		return done, fmt.Errorf("list free agents: %w", err)
	}
	take := func(s session.Session) bool { return s.QueuedAt.Before(cutoff) && !busy[s.ID] }
	for _, a := range free {
		if err := r.Filler.FillAgentWith(ctx, a, take); err != nil {
			log.Error("relay: filling a free agent failed", "agent", a, "err", err)
		}
	}
	return done, nil
}
