package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
)

// HashToken is how API tokens are stored: a SHA-256, so the database never holds the token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Store) agentRef(id string) *firestore.DocumentRef { return s.fs.Collection(colAgents).Doc(id) }

// AgentByToken finds the agent an API bearer token belongs to; a disabled agent's token
// answers agent.ErrDisabled.
func (s *Store) AgentByToken(ctx context.Context, token string) (agent.Agent, error) {
	docs, err := s.fs.Collection(colAgents).Where("tokenHash", "==", HashToken(token)).Limit(1).Documents(ctx).GetAll()
	if err != nil {
		return agent.Agent{}, fmt.Errorf("look up agent token: %w", err)
	}
	if len(docs) == 0 {
		return agent.Agent{}, ErrNotFound
	}
	var a agent.Agent
	if err := docs[0].DataTo(&a); err != nil {
		return a, fmt.Errorf("decode agent %s: %w", docs[0].Ref.ID, err)
	}
	if a.Disabled {
		return agent.Agent{}, fmt.Errorf("agent %s: %w", a.ID, agent.ErrDisabled)
	}
	return a, nil
}

// SetAgentStatus changes an agent's status, and adds in the same commit what spent says
// the spell in the previous status counts (nil: nothing), so each spell counts once. It reads
// the agent without a lock and commits on the condition that the agent is as read, as
// assignment does, so a status change never holds a lock that an assignment waits on.
func (s *Store) SetAgentStatus(ctx context.Context, id, status string, now time.Time, spent func(before agent.Agent) reports.Counts) error {
	if err := checkID("agent", id); err != nil {
		return err
	}
	ref := s.agentRef(id)
	for attempt := 0; attempt < 10; attempt++ {
		snap, err := ref.Get(ctx)
		if err != nil {
			return fmt.Errorf("set agent %s %s: %w", id, status, err)
		}
		var a agent.Agent
		if err := snap.DataTo(&a); err != nil {
			return fmt.Errorf("decode agent %s: %w", id, err)
		}
		a.ID = id
		err = s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			if spent != nil {
				if err := s.writeCounts(tx, spent(a)); err != nil {
					return err
				}
			}
			idle := now
			if a.LastAssignedAt.After(idle) {
				idle = a.LastAssignedAt
			}
			return tx.Update(ref, []firestore.Update{{Path: "status", Value: status}, {Path: "statusAt", Value: now}, {Path: idleSince, Value: idle},
				{Path: hasRoom, Value: a.ActiveChats < a.Capacity}},
				firestore.LastUpdateTime(snap.UpdateTime))
		}, firestore.MaxAttempts(1))
		if retry(err) {
			continue // the agent changed (an assignment): read again
		}
		if err != nil {
			return fmt.Errorf("set agent %s %s: %w", id, status, err)
		}
		return nil
	}
	return fmt.Errorf("set agent %s %s: the agent kept changing; try again", id, status)
}

// idleSince is the agent field assignment orders by: agent.Agent.IdleSince (the later of
// statusAt and lastAssignedAt), written with either.
const idleSince = "idleSince"

// hasRoom is the agent field that says they hold fewer chats than their capacity, kept with
// every change of their load (set from the agent read where the load is set, true where a
// chat leaves them) and of their capacity (the admin API's transaction, settleRoom after a
// catalog load), so that assignment and a wait estimate read only the agents who could take
// a chat. Offers are not in it: an agent with room by it may still be full of offers.
const hasRoom = "hasRoom"

// takesChat is how an agent read as a is written when they take one more chat at at: their
// load, their idle time (assignment orders by it) and whether they have room left.
func takesChat(a agent.Agent, at time.Time) []firestore.Update {
	return []firestore.Update{
		{Path: "activeChats", Value: a.ActiveChats + 1}, {Path: "lastAssignedAt", Value: at}, {Path: idleSince, Value: at},
		{Path: hasRoom, Value: a.ActiveChats+1 < a.Capacity},
	}
}

// AgentsWithRoom lists up to limit available agents serving queueID who have room for
// another chat (hasRoom), in the order of their ids after agent after ("": from the first),
// for a wait estimate's free capacity. An agent written before hasRoom was kept is not among
// them until their next status change or chat.
func (s *Store) AgentsWithRoom(ctx context.Context, queueID, after string, limit int) ([]agent.Agent, error) {
	if err := checkID("queue", queueID); err != nil {
		return nil, err
	}
	var out []agent.Agent
	q := s.fs.Collection(colAgents).Where("status", "==", agent.Available).Where("servesQueues", "array-contains", queueID).Where(hasRoom, "==", true).
		OrderBy(firestore.DocumentID, firestore.Asc).Limit(limit)
	if after != "" {
		q = q.StartAfter(after)
	}
	if err := readAll(ctx, q, &out); err != nil {
		return nil, fmt.Errorf("agents with room in %s: %w", queueID, err)
	}
	return out, nil
}

// IdlestAgents lists up to limit available agents with room (hasRoom) serving a queue,
// longest idle first, after agent after when it is set (the last of the previous page). An
// agent written before idleSince and hasRoom were kept is not among them until their next
// status change or chat (AvailableAgents finds them).
func (s *Store) IdlestAgents(ctx context.Context, queueID string, after *agent.Agent, limit int) ([]agent.Agent, error) {
	var out []agent.Agent
	q := s.fs.Collection(colAgents).Where("status", "==", agent.Available).Where("servesQueues", "array-contains", queueID).
		Where(hasRoom, "==", true).OrderBy(idleSince, firestore.Asc).OrderBy(firestore.DocumentID, firestore.Asc).Limit(limit)
	if after != nil {
		q = q.StartAfter(after.IdleSince(), after.ID)
	}
	docs, err := q.Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("idlest agents of queue %s: %w", queueID, err)
	}
	for _, d := range docs {
		var a agent.Agent
		if err := d.DataTo(&a); err != nil {
			return nil, fmt.Errorf("decode %s: %w", d.Ref.Path, err)
		}
		a.ID, a.Version = d.Ref.ID, d.UpdateTime
		out = append(out, a)
	}
	return out, nil
}

// AvailableAgents lists the available agents serving a queue.
func (s *Store) AvailableAgents(ctx context.Context, queueID string) ([]agent.Agent, error) {
	var out []agent.Agent
	q := s.fs.Collection(colAgents).Where("status", "==", agent.Available).Where("servesQueues", "array-contains", queueID)
	if err := readAll(ctx, q, &out); err != nil {
		return nil, fmt.Errorf("agents of queue %s: %w", queueID, err)
	}
	return out, nil
}

// Supervisors lists the supervisors serving a queue.
func (s *Store) Supervisors(ctx context.Context, queueID string) ([]agent.Agent, error) {
	var out []agent.Agent
	q := s.fs.Collection(colAgents).Where("role", "==", "supervisor").Where("servesQueues", "array-contains", queueID)
	if err := readAll(ctx, q, &out); err != nil {
		return nil, fmt.Errorf("supervisors of %s: %w", queueID, err)
	}
	return out, nil
}

// Agent reads one agent.
func (s *Store) Agent(ctx context.Context, id string) (agent.Agent, error) {
	var a agent.Agent
	if err := checkID("agent", id); err != nil {
		return a, err
	}
	snap, err := s.agentRef(id).Get(ctx)
	if isNotFound(err) {
		return a, fmt.Errorf("agent %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("read agent %s: %w", id, err)
	}
	return a, snap.DataTo(&a)
}

// QueuedChats lists chats waiting in any of the queues, highest priority first, then oldest.
func (s *Store) QueuedChats(ctx context.Context, queues []string, limit int) ([]session.Session, error) {
	if len(queues) == 0 {
		return nil, nil
	}
	if len(queues) > 30 {
		queues = queues[:30] // Firestore's limit for "in"
	}
	q := s.fs.Collection(colSessions).Where("state", "==", string(session.Queued)).Where("queueId", "in", queues).
		OrderBy("priority", firestore.Desc).OrderBy("queuedAt", firestore.Asc).Limit(limit)
	return s.sessions(ctx, q)
}

// AgentChats lists the chats an agent holds now.
func (s *Store) AgentChats(ctx context.Context, agentID string) ([]session.Session, error) {
	q := s.fs.Collection(colSessions).Where("state", "==", string(session.Assigned)).Where("agentId", "==", agentID).OrderBy("assignedAt", firestore.Asc)
	return s.sessions(ctx, q)
}

func (s *Store) sessions(ctx context.Context, q firestore.Query) ([]session.Session, error) {
	var out []session.Session
	if err := readAll(ctx, q, &out); err != nil {
		return nil, fmt.Errorf("query chats: %w", err)
	}
	return out, nil
}

// retry reports a commit that lost to another change of the chat or the agent (a failed
// update-time precondition, or a document created first): read again and decide again.
func retry(err error) bool {
	c := status.Code(err)
	return c == codes.FailedPrecondition || c == codes.AlreadyExists || c == codes.Aborted
}

// orDelete stores a zero time as an absent field, so range queries on it skip the document.
func orDelete(t time.Time) any {
	if t.IsZero() {
		return firestore.Delete
	}
	return t
}
