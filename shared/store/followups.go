package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
)

// colOutbox holds the follow-ups of committed changes that send nothing, until they are
// carried out; the follow-ups of a change that sends ride on its last message instead.
const colOutbox = "outbox"

// fieldFollowups is where a message carries its change's follow-ups; fieldFollowupsAt is
// when they were recorded, for the relay.
const (
	fieldFollowups   = "followups"
	fieldFollowupsAt = "followups.at"
)

func (s *Store) outboxRef(id string) *firestore.DocumentRef {
	return s.fs.Collection(colOutbox).Doc(id)
}

// message is an entry a change writes: a transcript line or a stand-alone message.
type message struct {
	ref    *firestore.DocumentRef
	e      session.Entry
	create bool
}

// messageDoc is a message as stored, with the follow-ups of its change when it is the
// change's last message to send. The executor publishes that message after every other
// follow-up, so the sender's claim of it (UpdateEntry) marks them done at no cost.
type messageDoc struct {
	session.Entry
	Followups *followup.Record `firestore:"followups,omitempty"`
}

// writeChange writes a change's messages and records its follow-ups inside the change's
// transaction, when they must survive a crash (followup.Followups.Durable): on the last
// message to send, else in the outbox.
func (s *Store) writeChange(tx *firestore.Transaction, msgs []message, r *followup.Record) error {
	r.Stored, r.Riding = r.Durable(), false
	ride := ""
	// A record with tallies stays in the outbox: its sends go before its tallies (a busy
	// rollup must not hold up the consumer's messages), and the sender's claim of the last
	// message must not mark it done before they are added.
	if n := len(r.Send); r.Stored && n > 0 && len(r.Tally)+len(r.TallyTexts) == 0 {
		ride = r.Send[n-1]
	}
	for _, m := range msgs {
		var doc any = m.e
		if ride != "" && relPath(m.ref) == ride {
			doc, r.Riding = messageDoc{Entry: m.e, Followups: r}, true
		}
		var err error
		if m.create {
			err = tx.Create(m.ref, doc)
		} else {
			err = tx.Set(m.ref, doc)
		}
		if err != nil {
			return err
		}
	}
	if !r.Stored || r.Riding {
		return nil
	}
	if err := checkID("follow-ups", r.ID); err != nil {
		return err
	}
	if err := tx.Set(s.outboxRef(r.ID), r); err != nil {
		return fmt.Errorf("record follow-ups %s: %w", r.ID, err)
	}
	return nil
}

// pendingRecord reads, inside a transaction, the follow-ups of change id that are still
// pending: in the outbox, or on the change's last message (last, when it sent any).
func (s *Store) pendingRecord(tx *firestore.Transaction, id, last string) (followup.Record, error) {
	r := followup.Record{ID: id}
	snap, err := tx.Get(s.outboxRef(id))
	switch {
	case err == nil:
		if err := snap.DataTo(&r); err != nil {
			return r, fmt.Errorf("decode follow-ups %s: %w", id, err)
		}
		r.Stored = true
		return r, nil
	case !isNotFound(err):
		return r, fmt.Errorf("read follow-ups %s: %w", id, err)
	case last == "":
		return r, nil
	}
	var m messageDoc
	if err := getInto(tx, s.fs.Doc(last), &m); err != nil {
		return r, err
	}
	if m.Followups == nil || m.Followups.ID != id {
		return r, nil // carried out: the sender claimed the message
	}
	r = *m.Followups
	r.Stored, r.Riding = true, true
	return r, nil
}

// Done marks carried-out follow-ups done: it removes them from the outbox, or from the
// message they ride on.
func (s *Store) Done(ctx context.Context, r followup.Record) error {
	var err error
	if r.Riding && len(r.Send) > 0 {
		_, err = s.fs.Doc(r.Send[len(r.Send)-1]).Update(ctx, []firestore.Update{{Path: fieldFollowups, Value: firestore.Delete}})
		if isNotFound(err) {
			err = nil
		}
	} else {
		_, err = s.outboxRef(r.ID).Delete(ctx)
	}
	if err != nil {
		return fmt.Errorf("mark follow-ups %s done: %w", r.ID, err)
	}
	return nil
}

// Keep moves follow-ups riding on a message into the outbox, so that the sender's claim of
// the message no longer marks them done (some of them failed).
func (s *Store) Keep(ctx context.Context, r followup.Record) error {
	if err := checkID("follow-ups", r.ID); err != nil {
		return err
	}
	if _, err := s.outboxRef(r.ID).Set(ctx, r); err != nil {
		return fmt.Errorf("keep follow-ups %s: %w", r.ID, err)
	}
	return nil
}

// PendingFollowups lists the follow-ups recorded before before and not carried out yet,
// oldest first: in the outbox and on messages not claimed by the sender.
func (s *Store) PendingFollowups(ctx context.Context, before time.Time, limit int) ([]followup.Record, error) {
	docs, err := s.fs.Collection(colOutbox).Where("at", "<", before).OrderBy("at", firestore.Asc).Limit(limit).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("list pending follow-ups: %w", err)
	}
	out := make([]followup.Record, 0, len(docs))
	for _, d := range docs {
		var r followup.Record
		if err := d.DataTo(&r); err != nil {
			return nil, fmt.Errorf("decode follow-ups %s: %w", d.Ref.ID, err)
		}
		r.Stored = true
		out = append(out, r)
	}
	for _, q := range []firestore.Query{
		s.fs.CollectionGroup(subEntries).Where(fieldFollowupsAt, "<", before).Limit(limit),
		s.fs.CollectionGroup(subMessages).Where(fieldFollowupsAt, "<", before).Limit(limit),
	} {
		docs, err := q.Documents(ctx).GetAll()
		if err != nil {
			return nil, fmt.Errorf("list follow-ups pending on messages: %w", err)
		}
		for _, d := range docs {
			var m messageDoc
			if err := d.DataTo(&m); err != nil {
				return nil, fmt.Errorf("decode follow-ups on %s: %w", d.Ref.Path, err)
			}
			if m.Followups != nil {
				r := *m.Followups
				r.Stored, r.Riding = true, true
				out = append(out, r)
			}
		}
	}
	slices.SortFunc(out, func(a, b followup.Record) int { return a.At.Compare(b.At) })
	return out[:min(limit, len(out))], nil
}

// FreeAgentIDs lists the agents who are available with free capacity.
func (s *Store) FreeAgentIDs(ctx context.Context) ([]string, error) {
	var agents []agent.Agent
	if err := readAll(ctx, s.fs.Collection(colAgents).Where("status", "==", agent.Available), &agents); err != nil {
		return nil, fmt.Errorf("available agents: %w", err)
	}
	var out []string
	for _, a := range agents {
		if a.Free() {
			out = append(out, a.ID)
		}
	}
	return out, nil
}

// SupervisorIDs lists the ids of the supervisors serving a queue.
func (s *Store) SupervisorIDs(ctx context.Context, queueID string) ([]string, error) {
	sups, err := s.Supervisors(ctx, queueID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(sups))
	for _, a := range sups {
		out = append(out, a.ID)
	}
	return out, nil
}

// AddNotice adds notice n to an agent's feed under id, once: a second call with the same id
// adds nothing.
func (s *Store) AddNotice(ctx context.Context, agentID, id string, n followup.Notice) error {
	if err := checkID("agent", agentID); err != nil {
		return err
	}
	e := AgentEvent{Type: n.Type, SessionID: n.SessionID, Queue: n.Queue, From: n.From, Note: n.Note, Reason: n.Reason, At: n.At, Deadline: n.Deadline}
	_, err := s.agentRef(agentID).Collection(subEvents).Doc(id).Create(ctx, e)
	if err != nil && !IsAlreadyExists(err) {
		return fmt.Errorf("add notice %s for %s: %w", n.Type, agentID, err)
	}
	return nil
}
