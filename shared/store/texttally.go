package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/session"
)

// textMarker names the tally marker of the stand-alone text at path
// (consumers/{consumer}/messages/{id}), beside the chats' markers in colTallied.
func textMarker(path string) string { return "text|" + strings.ReplaceAll(path, "/", "|") }

// TallyText adds the stand-alone text at path (count's answer over the text as stored) to
// the rollups in one transaction with its marker in tallied; a text already tallied adds
// nothing and reports false. A text the carrier has not accepted yet is an error: its tally
// comes from its acceptance.
func (s *Store) TallyText(ctx context.Context, path string, count func(session.Entry) (reports.Counts, error)) (bool, error) {
	if !IsMessagePath(path) || !strings.HasPrefix(path, colConsumers+"/") {
		return false, fmt.Errorf("tally text %q: not a stand-alone message: %w", path, ErrNotFound)
	}
	// The accepted text's count is final: it is read outside the transaction, which locks
	// only the marker, so a tally never holds a lock on the message the sender updates.
	var e session.Entry
	snap, err := s.fs.Doc(path).Get(ctx)
	if err != nil {
		return false, fmt.Errorf("tally text %s: read: %w", path, err)
	}
	if err := snap.DataTo(&e); err != nil {
		return false, fmt.Errorf("tally text %s: decode: %w", path, err)
	}
	e.Fold()
	if e.AcceptedAt.IsZero() {
		return false, fmt.Errorf("tally text %s: the carrier has not accepted it", path)
	}
	counts, err := count(e)
	if err != nil {
		return false, fmt.Errorf("tally text %s: %w", path, err)
	}
	mref := s.fs.Collection(colTallied).Doc(textMarker(path))
	added, err := s.addOnce(ctx, mref, counts, map[string]any{"acceptedAt": e.AcceptedAt, "at": time.Now()})
	if err != nil {
		return false, fmt.Errorf("tally text %s: %w", path, err)
	}
	return added, nil
}

// EachAcceptedText calls fn with every stand-alone text (one-way or bulk) the carrier
// accepted in [from, to), oldest first, across every consumer's messages, in pages of
// pageSize.
func (s *Store) EachAcceptedText(ctx context.Context, from, to time.Time, pageSize int, fn func(path string, e session.Entry) error) error {
	q := s.fs.CollectionGroup(subMessages).Where("acceptedAt", ">=", from).Where("acceptedAt", "<", to).OrderBy("acceptedAt", firestore.Asc).Limit(pageSize)
	return eachPage(ctx, q, pageSize, func(d *firestore.DocumentSnapshot) error {
		var e session.Entry
		if err := d.DataTo(&e); err != nil {
			return fmt.Errorf("decode %s: %w", d.Ref.Path, err)
		}
		e.Fold()
		return fn(relPath(d.Ref), e)
	})
}

// EachBlockedDrop calls fn with every dropped call or text of a blocked number in
// [from, to), oldest first, in pages of pageSize.
func (s *Store) EachBlockedDrop(ctx context.Context, from, to time.Time, pageSize int, fn func(BlockedDrop) error) error {
	q := s.fs.Collection(colBlockedDrops).Where("at", ">=", from).Where("at", "<", to).OrderBy("at", firestore.Asc).Limit(pageSize)
	return eachPage(ctx, q, pageSize, func(d *firestore.DocumentSnapshot) error {
		var b BlockedDrop
		if err := d.DataTo(&b); err != nil {
			return fmt.Errorf("decode blocked drop %s: %w", d.Ref.ID, err)
		}
		return fn(b)
	})
}

// eachPage runs q (limited to pageSize) page after page, calling fn with each document, so a
// long range is streamed in bounded memory.
func eachPage(ctx context.Context, q firestore.Query, pageSize int, fn func(*firestore.DocumentSnapshot) error) error {
	var last *firestore.DocumentSnapshot
	for {
		page := q
		if last != nil {
			page = q.StartAfter(last)
		}
		it := page.Documents(ctx)
		n := 0
		for {
			d, err := it.Next()
			if err == iterator.Done {
				break
			}
			if err != nil {
				it.Stop()
				return err
			}
			if err := fn(d); err != nil {
				it.Stop()
				return err
			}
			last, n = d, n+1
		}
		it.Stop()
		if n < pageSize {
			return nil
		}
	}
}
