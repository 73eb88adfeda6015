package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
)

// colRollups holds the report counters per queue, agent and line of business per UTC day
// (reports.RollupID), the hours inside as nested maps; colTallied one marker per chat whose
// figures were added, so a second delivery of the same end adds nothing.
const (
	colRollups = "rollups"
	colTallied = "tallied"
)

// ErrNotEnded reports a tally asked for a chat that has not ended.
var ErrNotEnded = fmt.Errorf("the chat has not ended")

// Tally adds ended chat chatID's figures (count's answer over the chat as stored) to the
// rollups in one transaction with the marker tallied/{chatID}; a chat already tallied adds
// nothing and reports false.
func (s *Store) Tally(ctx context.Context, chatID string, count func(session.Session) (reports.Counts, error)) (bool, error) {
	if err := checkID("chat", chatID); err != nil {
		return false, err
	}
	mref := s.fs.Collection(colTallied).Doc(chatID)
	// An ended chat's figures are final: it is read outside the transaction, which locks only
	// the marker, so tallying never holds a lock on the chat.
	var c session.Session
	snap, err := s.sessionRef(chatID).Get(ctx)
	if err != nil {
		return false, fmt.Errorf("tally chat %s: read chat: %w", chatID, err)
	}
	if err := snap.DataTo(&c); err != nil {
		return false, fmt.Errorf("tally chat %s: decode chat: %w", chatID, err)
	}
	if c.State != session.Ended {
		return false, fmt.Errorf("tally chat %s: %w", chatID, ErrNotEnded)
	}
	counts, err := count(c)
	if err != nil {
		return false, fmt.Errorf("tally chat %s: %w", chatID, err)
	}
	added, err := s.addOnce(ctx, mref, counts, map[string]any{"endedAt": c.EndedAt, "at": time.Now()})
	if err != nil {
		return false, fmt.Errorf("tally chat %s: %w", chatID, err)
	}
	return added, nil
}

// Tallied reports whether chat chatID's figures are in the rollups.
func (s *Store) Tallied(ctx context.Context, chatID string) (bool, error) {
	if err := checkID("chat", chatID); err != nil {
		return false, err
	}
	_, err := s.fs.Collection(colTallied).Doc(chatID).Get(ctx)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// writeCounts adds counts to their rollups inside tx: merged increments (maximums for
// counters named max…), so concurrent tallies never read the rollup documents and never
// contend on more than the write.
func (s *Store) writeCounts(tx *firestore.Transaction, counts reports.Counts) error {
	for doc, fields := range counts {
		kind, id, day, err := reports.ParseRollupID(doc)
		if err != nil {
			return err
		}
		if err := checkID("rollup", doc); err != nil {
			return err
		}
		hours := map[string]any{}
		for path, n := range fields {
			parts := strings.Split(path, ".") // h.HH.name
			if len(parts) != 3 {
				return fmt.Errorf("rollup %s: counter %q is not h.HH.name", doc, path)
			}
			h, _ := hours[parts[1]].(map[string]any)
			if h == nil {
				h = map[string]any{}
				hours[parts[1]] = h
			}
			if strings.HasPrefix(parts[2], "max") {
				h[parts[2]] = firestore.FieldTransformMaximum(n)
			} else {
				h[parts[2]] = firestore.Increment(n)
			}
		}
		data := map[string]any{"kind": kind, "id": id, "day": day, "h": hours}
		if err := tx.Set(s.fs.Collection(colRollups).Doc(rollupShard(doc, kind)), data, firestore.MergeAll); err != nil {
			return fmt.Errorf("rollup %s: %w", doc, err)
		}
	}
	return nil
}

// rollupShards is how many documents a day of a line's or a queue's counters is spread over,
// by what writes them: Firestore sustains about one write a second on a document, and past a
// few its commits queue and fail with contention. Every ended chat of a line and a queue
// writes its day (3.6 a second at the peak of a million texts a day: four queue shards keep
// each under one), and every one-way or bulk text the line sends writes the line's too (a
// 50 MPS bulk send: ten line shards take five a second each). An agent's day is written by
// their own chats and statuses, a few times a minute: one document. Reports read every
// shard and add them up (reports.Sum); the shard a write goes to is any, since a tally's
// marker counts it once wherever it lands.
func rollupShards(kind string) int {
	switch kind {
	case reports.KindLine:
		return 10
	case reports.KindQueue:
		return 4
	}
	return 1
}

// rollupShard is the document of one of doc's shards, picked at random: the first shard is doc
// itself, so a single-shard kind, and days written before shards, keep their names.
func rollupShard(doc, kind string) string {
	if k := rand.IntN(rollupShards(kind)); k > 0 {
		return doc + "-" + strconv.Itoa(k)
	}
	return doc
}

// recordMiss records a missed offer and counts it in its agent's rollup, inside the
// transaction that decided it, so the miss counts once.
func (s *Store) recordMiss(tx *firestore.Transaction, m session.MissedOffer) error {
	if err := tx.Set(s.missedRef(m), m); err != nil {
		return fmt.Errorf("record missed offer of %s: %w", m.SessionID, err)
	}
	return s.writeCounts(tx, reports.Missed(m.AgentID, m.At))
}

// AddCounts adds counts to the rollups in one write (an agent's time in a status).
func (s *Store) AddCounts(ctx context.Context, counts reports.Counts) error {
	return s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		return s.writeCounts(tx, counts)
	})
}

// Rollups reads the rollups of kind for the UTC days first to last (inclusive): one read per
// document, about owners × days, whatever the number of chats.
func (s *Store) Rollups(ctx context.Context, kind string, first, last time.Time) ([]reports.Rollup, error) {
	var out []reports.Rollup
	q := s.fs.Collection(colRollups).Where("kind", "==", kind).OrderBy("day", firestore.Asc).StartAt(first).EndAt(last)
	if err := readAll(ctx, q, &out); err != nil {
		return nil, fmt.Errorf("rollups %s: %w", kind, err)
	}
	return out, nil
}

// EachEndedChat calls fn with every chat that ended in [from, to), oldest first, reading
// pages of pageSize so a long range is streamed in bounded memory.
func (s *Store) EachEndedChat(ctx context.Context, from, to time.Time, pageSize int, fn func(session.Session) error) error {
	q := s.fs.Collection(colSessions).Where("endedAt", ">=", from).Where("endedAt", "<", to).OrderBy("endedAt", firestore.Asc).Limit(pageSize)
	err := eachPage(ctx, q, pageSize, func(d *firestore.DocumentSnapshot) error {
		var c session.Session
		if err := d.DataTo(&c); err != nil {
			return fmt.Errorf("decode chat %s: %w", d.Ref.ID, err)
		}
		return fn(c)
	})
	if err != nil {
		return fmt.Errorf("chats ended from %s: %w", from.Format(time.RFC3339), err)
	}
	return nil
}

// Teams lists the configured teams.
func (s *Store) Teams(ctx context.Context) ([]config.Team, error) {
	var out []config.Team
	if err := readAll(ctx, s.fs.Collection(colTeams), &out); err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	return out, nil
}

// addOnce adds counts to the rollups and creates the marker mref (with marker's fields) in one
// transaction, unless the marker exists: whatever is counted once, however often delivered.
func (s *Store) addOnce(ctx context.Context, mref *firestore.DocumentRef, counts reports.Counts, marker map[string]any) (bool, error) {
	added := false
	err := s.runTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		added = false
		if _, err := tx.Get(mref); err == nil {
			return nil
		} else if !isNotFound(err) {
			return fmt.Errorf("read tally marker: %w", err)
		}
		if err := s.writeCounts(tx, counts); err != nil {
			return err
		}
		added = true
		return tx.Create(mref, marker)
	})
	return added, err
}
