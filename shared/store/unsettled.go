package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/delivery"
	"github.com/smsdesk/smsdesk/shared/session"
)

// fieldRecheckAt is when the sweeper next asks the carrier for a message's status.
const fieldRecheckAt = "recheckAt"

// UnsettledMessages lists up to limit messages, transcript lines and stand-alone texts,
// whose status is due to be asked of the carrier by due (recheckAt), the most overdue first.
func (s *Store) UnsettledMessages(ctx context.Context, due time.Time, limit int) ([]delivery.Unsettled, error) {
	var out []delivery.Unsettled
	for _, q := range []firestore.Query{
		s.fs.CollectionGroup(subEntries).Where(fieldRecheckAt, "<=", due).OrderBy(fieldRecheckAt, firestore.Asc).Limit(limit),
		s.fs.CollectionGroup(subMessages).Where(fieldRecheckAt, "<=", due).OrderBy(fieldRecheckAt, firestore.Asc).Limit(limit),
	} {
		docs, err := q.Documents(ctx).GetAll()
		if err != nil {
			return nil, fmt.Errorf("list messages due a status check: %w", err)
		}
		for _, d := range docs {
			var e session.Entry
			if err := d.DataTo(&e); err != nil {
				return nil, fmt.Errorf("decode %s: %w", d.Ref.Path, err)
			}
			out = append(out, delivery.Unsettled{Path: relPath(d.Ref), SID: e.MessageSID, RecheckAt: e.RecheckAt})
		}
	}
	slices.SortFunc(out, func(a, b delivery.Unsettled) int { return a.RecheckAt.Compare(b.RecheckAt) })
	return out[:min(limit, len(out))], nil
}
