package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/session"
)

// colMissedOffers holds one document per offer a manual-answer agent declined or let lapse
// (session.MissedOffer: agentId, sessionId, queueId, at, reason), for reports.
const colMissedOffers = "missedOffers"

func (s *Store) missedRef(m session.MissedOffer) *firestore.DocumentRef {
	return s.fs.Collection(colMissedOffers).Doc(m.ID())
}

// writeOffer commits an offer decided by Assign's decide: the chat keeps waiting with its
// offer and new deadlines, and the agent's offers count one more, both conditional on the
// documents as read (snaps), so that racing offers never stack past capacity.
func (s *Store) writeOffer(ctx context.Context, c session.Session, a agent.Agent, versions [2]time.Time, now time.Time, then followup.Followups) (followup.Record, error) {
	rec := followup.Record{ID: fmt.Sprintf("offer-%s-g%d", c.ID, c.Generation), SessionID: c.ID, At: now, Followups: then}
	err := s.commitOnce(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Update(s.sessionRef(c.ID), []firestore.Update{
			{Path: "offer", Value: c.Offer}, {Path: "generation", Value: c.Generation},
			{Path: "deadlines", Value: c.Deadlines}, {Path: "nextDeadline", Value: orDelete(c.NextDeadline)},
		}, firestore.LastUpdateTime(versions[0])); err != nil {
			return err
		}
		if err := tx.Update(s.agentRef(a.ID), []firestore.Update{{Path: "offers", Value: a.Offers + 1}},
			firestore.LastUpdateTime(versions[1])); err != nil {
			return err
		}
		return s.writeChange(tx, nil, &rec)
	}, func(ctx context.Context) (bool, error) { return s.offeredAs(ctx, c) })
	if err != nil {
		return followup.Record{}, fmt.Errorf("offer chat %s to %s: %w", c.ID, a.ID, err)
	}
	return rec, nil
}

// offeredAs reports whether the stored chat holds c's offer as writeOffer just wrote it: the
// same agent at the same instant, in the same generation. Nothing else writes that.
func (s *Store) offeredAs(ctx context.Context, c session.Session) (bool, error) {
	var got session.Session
	if err := decodeIfExists(getOutside(ctx), s.sessionRef(c.ID), &got); err != nil {
		return false, err
	}
	if got.Offer == nil || c.Offer == nil {
		return false, nil
	}
	return got.Generation == c.Generation && got.Offer.AgentID == c.Offer.AgentID &&
		got.Offer.At.Truncate(time.Microsecond).Equal(c.Offer.At.Truncate(time.Microsecond)), nil
}

// OfferAnswer is what an agent's answer to an offer decided: an accepted offer writes the
// consumer's "assigned" message (Entry), a declined one records its miss (Missed); Then are
// the follow-ups.
type OfferAnswer struct {
	Entry  *session.Entry
	Missed *session.MissedOffer
	Then   followup.Followups
}

// AnswerOffer stores agent agentID's answer to the offer of a chat: it reads the chat and the
// agent, lets decide change the chat (an error refuses the answer and is returned wrapped),
// and commits the chat, the agent's load (the offer slot freed, and a chat more when
// accepted), the "assigned" message or the missed offer, and the follow-ups. The commit is
// conditional on both documents as read, so racing answers (and an answer racing the offer's
// timer) never wait on each other's locks: the loser reads again and decides again.
func (s *Store) AnswerOffer(ctx context.Context, sessionID, agentID string, now time.Time, decide func(*session.Session, agent.Agent) (OfferAnswer, error)) (session.Session, followup.Record, error) {
	if err := checkID("chat", sessionID); err != nil {
		return session.Session{}, followup.Record{}, fmt.Errorf("chat %s: %w", ids.Short(sessionID), err)
	}
	if err := checkID("agent", agentID); err != nil {
		return session.Session{}, followup.Record{}, err
	}
	sref, aref := s.sessionRef(sessionID), s.agentRef(agentID)
	for attempt := 0; attempt < 10; attempt++ {
		snaps, err := s.fs.GetAll(ctx, []*firestore.DocumentRef{sref, aref})
		if err != nil {
			return session.Session{}, followup.Record{}, fmt.Errorf("answer offer of chat %s: %w", sessionID, err)
		}
		if !snaps[0].Exists() || !snaps[1].Exists() {
			return session.Session{}, followup.Record{}, fmt.Errorf("chat %s, agent %s: %w", sessionID, agentID, ErrNotFound)
		}
		var c session.Session
		var a agent.Agent
		if err := snaps[0].DataTo(&c); err != nil {
			return c, followup.Record{}, fmt.Errorf("decode chat %s: %w", sessionID, err)
		}
		if err := snaps[1].DataTo(&a); err != nil {
			return c, followup.Record{}, fmt.Errorf("decode agent %s: %w", agentID, err)
		}
		a.ID = agentID
		gen := c.Generation
		ans, err := decide(&c, a)
		if err != nil {
			return c, followup.Record{}, fmt.Errorf("agent %s: %w", agentID, err)
		}
		rec := followup.Record{ID: fmt.Sprintf("answer-%s-g%d", sessionID, gen), SessionID: sessionID, At: now}
		chat := []firestore.Update{
			{Path: "offer", Value: firestore.Delete}, {Path: "missedBy", Value: c.MissedBy},
			{Path: "generation", Value: c.Generation}, {Path: "deadlines", Value: c.Deadlines},
			{Path: "nextDeadline", Value: orDelete(c.NextDeadline)},
		}
		load := []firestore.Update{{Path: "offers", Value: max(a.Offers-1, 0)}}
		var msgs []message
		if e := ans.Entry; e != nil {
			e.Seq, e.At, e.Business, e.Phone = c.Seq+1, now, c.Business, c.Phone
			c.Seq = e.Seq
			c.Count(*e)
			ref := s.entryRef(sessionID, e.Seq)
			msgs = append(msgs, message{ref: ref, e: *e, create: true})
			rec.Send = []string{relPath(ref)}
			chat = append(chat, firestore.Update{Path: "state", Value: string(c.State)}, firestore.Update{Path: "agentId", Value: c.AgentID},
				firestore.Update{Path: "assignedAt", Value: c.AssignedAt}, firestore.Update{Path: "seq", Value: c.Seq},
				firestore.Update{Path: "heldBy", Value: c.HeldBy}, firestore.Update{Path: "startType", Value: c.StartType},
				firestore.Update{Path: "connectedAt", Value: c.ConnectedAt}, firestore.Update{Path: "visits", Value: c.Visits},
				firestore.Update{Path: "legs", Value: c.Legs}, firestore.Update{Path: "counts", Value: c.Counts})
			load = append(load, takesChat(a, now)...)
		}
		rec.Add(ans.Then)
		err = s.commitOnce(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			if err := tx.Update(sref, chat, firestore.LastUpdateTime(snaps[0].UpdateTime)); err != nil {
				return err
			}
			if err := tx.Update(aref, load, firestore.LastUpdateTime(snaps[1].UpdateTime)); err != nil {
				return err
			}
			if m := ans.Missed; m != nil {
				if err := s.recordMiss(tx, *m); err != nil {
					return err
				}
			}
			return s.writeChange(tx, msgs, &rec)
		}, func(ctx context.Context) (bool, error) { return s.answeredAs(ctx, sessionID, c) })
		if retry(err) {
			continue
		}
		if err != nil {
			return c, followup.Record{}, fmt.Errorf("answer offer of chat %s: %w", sessionID, err)
		}
		return c, rec, nil
	}
	return session.Session{}, followup.Record{}, fmt.Errorf("answer offer of chat %s: the chat kept changing; try again", sessionID)
}

// writeOffersLeft stores, inside an outcome's transaction, what it did to offers: a lapsed
// offer is recorded and its agent's offer slot freed, as is the slot of a withdrawn one.
func (s *Store) writeOffersLeft(tx *firestore.Transaction, o session.Outcome) error {
	free := func(agentID string) error {
		if err := checkID("agent", agentID); err != nil {
			return err
		}
		return tx.Set(s.agentRef(agentID), map[string]any{"offers": firestore.Increment(-1)}, firestore.MergeAll)
	}
	if m := o.Missed; m != nil {
		if err := s.recordMiss(tx, *m); err != nil {
			return err
		}
		if err := free(m.AgentID); err != nil {
			return err
		}
	}
	if o.Withdrawn != "" {
		return free(o.Withdrawn)
	}
	return nil
}

// OfferedChats lists the chats offered to an agent and waiting for their answer.
func (s *Store) OfferedChats(ctx context.Context, agentID string) ([]session.Session, error) {
	q := s.fs.Collection(colSessions).Where("state", "==", string(session.Queued)).Where("offer.agentId", "==", agentID)
	return s.sessions(ctx, q)
}

// MissedOffers lists an agent's missed offers since a time, oldest first.
func (s *Store) MissedOffers(ctx context.Context, agentID string, since time.Time, limit int) ([]session.MissedOffer, error) {
	var out []session.MissedOffer
	q := s.fs.Collection(colMissedOffers).Where("agentId", "==", agentID).Where("at", ">=", since).OrderBy("at", firestore.Asc).Limit(limit)
	if err := readAll(ctx, q, &out); err != nil {
		return nil, fmt.Errorf("missed offers of %s: %w", agentID, err)
	}
	return out, nil
}

// answeredAs reports whether stored chat id is c as an answer to its offer just wrote it: no
// offer, the same generation, agent and last message, and the same deadlines, which the
// answer set at its own instant (an offer's lapse, the only other change that could reach the
// same generation, sets its own).
func (s *Store) answeredAs(ctx context.Context, id string, c session.Session) (bool, error) {
	var got session.Session
	if err := decodeIfExists(getOutside(ctx), s.sessionRef(id), &got); err != nil {
		return false, err
	}
	if got.Offer != nil || got.Generation != c.Generation || got.AgentID != c.AgentID || got.Seq != c.Seq ||
		len(got.Deadlines) != len(c.Deadlines) {
		return false, nil
	}
	for k, d := range c.Deadlines {
		if !got.Deadlines[k].Truncate(time.Microsecond).Equal(d.Truncate(time.Microsecond)) {
			return false, nil
		}
	}
	return true, nil
}
