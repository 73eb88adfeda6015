package reporting

import (
	"errors"
	"fmt"

	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/reports"
)

// ErrNoSuchQueue reports a queue filter naming a queue that is not among the viewer's.
var ErrNoSuchQueue = errors.New("no such queue among the queues you read")

// OnlyQueue is queues report rep with only queue id's row; "" keeps every row. A queue the
// report has not got (another line's, a menu, a typo) is an error, so a filter never
// silently shows nothing.
func OnlyQueue(rep Report, id string) (Report, error) {
	rows, ok := rep.Rows.([]reports.Row[reports.QueueFigures])
	if rep.Report != Queues || !ok {
		return rep, fmt.Errorf("only the queues report filters by queue, not the %s report", rep.Report)
	}
	if id == "" {
		return rep, nil
	}
	for _, r := range rows {
		if r.ID == id {
			rep.Rows = []reports.Row[reports.QueueFigures]{r}
			return rep, nil
		}
	}
	return rep, fmt.Errorf("%w: no queue %s on your lines of business", ErrNoSuchQueue, ids.Short(id))
}
