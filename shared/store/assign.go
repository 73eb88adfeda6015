package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// assignRaces bounds the commits an assignment may lose to other changes of its chat or its
// candidates before it gives up (the chat then waits for the next agent to free capacity or
// for the sweep).
const assignRaces = 8

// Assign gives a queued chat to the first of candidates who may take it: the chat must still
// be queued and the agent free. It reads without locks and commits with update-time
// preconditions, so agents racing for one chat never wait on each other's locks: the loser's
// commit fails and it tries again.
//
// Candidates with a Version (assignment's page of the longest idle) are taken as read, in
// order, on the chat read once: no read of theirs at all. One who changed since (another chat
// went to them first, as happens to the longest idle when many chats arrive at once) fails the
// commit, and the chat goes on to the next rather than queueing behind the others on the same
// agent; after a pass each candidate is read again before each commit, and the chat every
// other time (what changed is nearly always the agent).
//
// decide sees the chat and the agent as read: it refuses (false) when either no longer
// qualifies (the next candidate is tried), else marks the chat assigned (and may plan its
// timers) and returns the "assigned" message and the follow-ups; Assign stores them with the
// assignment and returns the record (the message's path among its sends), and false when no
// candidate was taken. When decide offers the chat to the agent instead (a manual-answer
// agent: the chat still waits, with its offer), the offer is stored with the agent's offers
// one more, and no message is written.
func (s *Store) Assign(ctx context.Context, sessionID string, candidates []agent.Agent, now time.Time, decide func(*session.Session, agent.Agent) (session.Entry, followup.Followups, bool)) (followup.Record, bool, error) {
	sref := s.sessionRef(sessionID)
	var chat *firestore.DocumentSnapshot // the chat as last read
	refused := map[string]bool{}
	races := 0
	for k := 0; races < assignRaces && len(refused) < len(candidates); k++ {
		known := candidates[k%len(candidates)]
		if refused[known.ID] {
			continue
		}
		if pass := k - len(candidates); pass >= 0 { // a pass lost to races: read again
			known.Version = time.Time{}
			if pass%2 == 1 {
				chat = nil
			}
		}
		c, a, versions, found, err := s.assignees(ctx, sref, chat, known)
		if err != nil {
			return followup.Record{}, false, fmt.Errorf("assign chat %s to %s: %w", sessionID, known.ID, err)
		}
		if !found.chat {
			return followup.Record{}, false, nil
		}
		chat = found.snap
		if !found.agent {
			refused[known.ID] = true
			continue
		}
		rec, ok, err := s.commitAssignment(ctx, c, a, versions, now, decide)
		switch {
		case retry(err):
			races++ // someone changed the chat or the agent first: on to the next
		case err != nil:
			return followup.Record{}, false, fmt.Errorf("assign chat %s to %s: %w", sessionID, a.ID, err)
		case ok:
			return rec, true, nil
		default:
			refused[known.ID] = true
		}
	}
	return followup.Record{}, false, nil
}

// commitAssignment decides giving chat c to agent a, as read at versions, and commits it: the
// offer, or the assignment with its message and follow-ups; false when decide refused.
func (s *Store) commitAssignment(ctx context.Context, c session.Session, a agent.Agent, versions [2]time.Time, now time.Time, decide func(*session.Session, agent.Agent) (session.Entry, followup.Followups, bool)) (followup.Record, bool, error) {
	e, then, ok := decide(&c, a)
	if !ok {
		return followup.Record{}, false, nil
	}
	if c.OfferedTo(a.ID) {
		rec, err := s.writeOffer(ctx, c, a, versions, now, then)
		return rec, err == nil, err
	}
	sref, aref := s.sessionRef(c.ID), s.agentRef(a.ID)
	e.Seq, e.At, e.Business, e.Phone = c.Seq+1, now, c.Business, c.Phone
	c.Count(e)
	ref := s.entryRef(c.ID, e.Seq)
	rec := followup.Record{ID: fmt.Sprintf("assign-%s-%d", c.ID, e.Seq), SessionID: c.ID, At: now, Followups: followup.Followups{Send: []string{relPath(ref)}}}
	rec.Add(then)
	err := s.commitOnce(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Update(sref, []firestore.Update{
			{Path: "state", Value: string(c.State)}, {Path: "agentId", Value: c.AgentID},
			{Path: "assignedAt", Value: c.AssignedAt}, {Path: "seq", Value: e.Seq},
			{Path: "heldBy", Value: firestore.ArrayUnion(a.ID)}, {Path: "startType", Value: c.StartType},
			{Path: "generation", Value: c.Generation}, {Path: "deadlines", Value: c.Deadlines},
			{Path: "nextDeadline", Value: orDelete(c.NextDeadline)},
			{Path: "connectedAt", Value: c.ConnectedAt}, {Path: "visits", Value: c.Visits},
			{Path: "legs", Value: c.Legs}, {Path: "counts", Value: c.Counts},
		}, firestore.LastUpdateTime(versions[0])); err != nil {
			return err
		}
		if err := tx.Update(aref, takesChat(a, now), firestore.LastUpdateTime(versions[1])); err != nil {
			return err
		}
		if err := tx.Create(aref.Collection(subEvents).NewDoc(), AgentEvent{
			Type: EventAssigned, SessionID: c.ID, Queue: c.QueueID, At: now,
		}); err != nil {
			return err
		}
		return s.writeChange(tx, []message{{ref: ref, e: e, create: true}}, &rec)
	}, func(ctx context.Context) (bool, error) { return s.assignedAs(ctx, c, e.Seq) })
	if err != nil {
		return followup.Record{}, false, err
	}
	return rec, true, nil
}

// assignedAs reports whether the stored chat is c as an assignment just wrote it, with its
// message at seq: the same agent at the same instant. Nothing else writes that.
func (s *Store) assignedAs(ctx context.Context, c session.Session, seq int) (bool, error) {
	var got session.Session
	if err := decodeIfExists(getOutside(ctx), s.sessionRef(c.ID), &got); err != nil {
		return false, err
	}
	return got.AgentID == c.AgentID && got.Seq == seq &&
		got.AssignedAt.Truncate(time.Microsecond).Equal(c.AssignedAt.Truncate(time.Microsecond)), nil
}

// found says what an assignment's read found: the chat (and its snapshot, kept for the next
// candidate) and the agent.
type found struct {
	chat, agent bool
	snap        *firestore.DocumentSnapshot
}

// assignees reads the chat and the agent of an assignment, with their update times: the
// chat unless its snapshot is given, the agent unless known has a Version (as a page read
// them). A commit on either fails if it changed since.
func (s *Store) assignees(ctx context.Context, sref *firestore.DocumentRef, chat *firestore.DocumentSnapshot, known agent.Agent) (session.Session, agent.Agent, [2]time.Time, found, error) {
	var c session.Session
	var versions [2]time.Time
	var refs []*firestore.DocumentRef
	if chat == nil {
		refs = append(refs, sref)
	}
	if known.Version.IsZero() {
		refs = append(refs, s.agentRef(known.ID))
	}
	var snaps []*firestore.DocumentSnapshot
	if len(refs) > 0 {
		var err error
		if snaps, err = s.fs.GetAll(ctx, refs); err != nil {
			return c, known, versions, found{}, err
		}
	}
	if chat == nil {
		chat, snaps = snaps[0], snaps[1:]
	}
	f := found{chat: chat.Exists(), snap: chat}
	if !f.chat {
		return c, known, versions, f, nil
	}
	if err := chat.DataTo(&c); err != nil {
		return c, known, versions, f, fmt.Errorf("decode chat %s: %w", chat.Ref.ID, err)
	}
	versions[0] = chat.UpdateTime
	a := known
	if len(snaps) == 1 {
		if !snaps[0].Exists() {
			return c, a, versions, f, nil
		}
		a = agent.Agent{}
		if err := snaps[0].DataTo(&a); err != nil {
			return c, a, versions, f, fmt.Errorf("decode agent %s: %w", known.ID, err)
		}
		a.Version = snaps[0].UpdateTime
	}
	a.ID = known.ID // the document's id is the agent's
	f.agent = true
	versions[1] = a.Version
	return c, a, versions, f, nil
}
