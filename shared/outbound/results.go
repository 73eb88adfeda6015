package outbound

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Results of a bulk send's recipients.
const (
	ResultHeld        = "held"     // waiting for sendAt or the end of quiet hours
	ResultAccepted    = "accepted" // handed to the sender
	ResultSent        = "sent"
	ResultDelivered   = "delivered"
	ResultUndelivered = "undelivered"
	ResultFailed      = "failed"
	ResultRefused     = "refused" // not sent: Code and Message say why
)

// resultRank orders results; a recipient's result only moves forward, whatever order its
// message's statuses arrive in.
func resultRank(status string) int {
	switch status {
	case ResultHeld, ResultAccepted:
		return 1
	case ResultSent:
		return 2
	case ResultDelivered, ResultUndelivered, ResultFailed, ResultRefused:
		return 3
	}
	return 0
}

// advance moves a stored result on to res when res is further along.
func advance(res store.BulkResult) func(*store.BulkResult) bool {
	return func(r *store.BulkResult) bool {
		if resultRank(res.Status) <= resultRank(r.Status) {
			return false
		}
		*r = res
		return true
	}
}

var (
	jobIDPattern     = regexp.MustCompile(`^B[0-9a-f]{24}$`)
	bulkMessageIDPat = regexp.MustCompile(`/messages/N(B[0-9a-f]{24})-([0-9]{6})$`)
)

// bulkMessageID is the id of a recipient's message, its job and position in the request.
func bulkMessageID(jobID string, index int) string { return fmt.Sprintf("%s-%06d", jobID, index) }

// Track moves the result of a bulk recipient on as its message's delivery status changes
// (the sender calls it for every message; texts of no bulk job are left alone).
func (b *Bulk) Track(ctx context.Context, path string, e session.Entry) error {
	m := bulkMessageIDPat.FindStringSubmatch(path)
	if m == nil || !strings.HasPrefix(path, "consumers/") {
		return nil
	}
	index, _ := strconv.Atoi(m[2])
	res := store.BulkResult{Index: index, To: e.Phone}
	switch e.Status {
	case "sent":
		res.Status = ResultSent
	case "delivered", "read":
		res.Status = ResultDelivered
	case "undelivered":
		res.Status = ResultUndelivered
	case "failed", "canceled":
		res.Status = ResultFailed
	case session.StatusBlocked:
		res.Status, res.Code, res.Message = ResultRefused, "opted_out", fmt.Sprintf("%s opted out before the text was sent", e.Phone)
	default:
		return nil // not yet with the carrier, or on its way: still accepted
	}
	if e.ErrorCode != 0 {
		res.Code, res.Message = "carrier_error", fmt.Sprintf("carrier error %d", e.ErrorCode)
	}
	if err := b.Store.UpdateBulkResult(ctx, m[1], index, advance(res)); err != nil {
		return fmt.Errorf("bulk result of %s: %w", path, err)
	}
	return nil
}
