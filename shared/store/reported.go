package store

import (
	"context"
	"fmt"
	"strings"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/session"
)

// fieldReported holds the carrier's status callbacks on a transcript line (session.Entry's
// Reported).
const fieldReported = "reported"

// IsTranscriptPath reports whether path names a line of a chat's transcript.
func IsTranscriptPath(path string) bool {
	return IsMessagePath(path) && strings.HasPrefix(path, colSessions+"/")
}

// ReportStatus writes a status callback onto the transcript line at path without reading
// it: reported.{sid}.{status} = code, and a final status ends the line's status checks
// (recheckAt). Reads fold it in (session.Entry.Fold), so a status written late, twice or out
// of order changes nothing shown. It reports false, writing nothing, for a message that is
// not a transcript line (a stand-alone text's statuses move its bulk result and its
// announcement, which need the message read). A line that does not exist is ErrNotFound.
func (s *Store) ReportStatus(ctx context.Context, path, sid, status string, code int, final bool) (bool, error) {
	if !IsTranscriptPath(path) {
		return false, nil
	}
	if r := session.StatusRank(status); !carrier.ValidMessageSID(sid) || r < session.StatusRank("queued") || r > session.StatusRank("read") {
		return false, fmt.Errorf("report status %q of %q on %s: not a carrier's message status", status, sid, path)
	}
	fields := []firestore.Update{{FieldPath: firestore.FieldPath{fieldReported, sid, status}, Value: code}}
	if final {
		fields = append(fields, firestore.Update{Path: fieldRecheckAt, Value: firestore.Delete})
	}
	_, err := s.fs.Doc(path).Update(ctx, fields)
	if isNotFound(err) {
		return false, fmt.Errorf("message %s: %w", path, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("report status %s of %s: %w", status, path, err)
	}
	return true, nil
}
