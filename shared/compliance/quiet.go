package compliance

import (
	"fmt"
	"time"
)

// QuietHours bounds when non-conversational messages (notifications, bulk texts) may reach a
// consumer: from Start to End each day in the consumer's local time. Conversations are exempt.
type QuietHours struct {
	Start, End int // minutes after midnight; Start < End
}

// DefaultQuietHours allows sending from 8:00 to 21:00.
var DefaultQuietHours = QuietHours{Start: 8 * 60, End: 21 * 60}

// ParseQuietHours reads "08:00" and "21:00"; empty strings give the default.
func ParseQuietHours(start, end string) (QuietHours, error) {
	if start == "" && end == "" {
		return DefaultQuietHours, nil
	}
	var q QuietHours
	var h1, m1, h2, m2 int
	if _, err := fmt.Sscanf(start, "%d:%d", &h1, &m1); err != nil {
		return q, fmt.Errorf("quiet hours start %q must look like 08:00", start)
	}
	if _, err := fmt.Sscanf(end, "%d:%d", &h2, &m2); err != nil {
		return q, fmt.Errorf("quiet hours end %q must look like 21:00", end)
	}
	q = QuietHours{Start: h1*60 + m1, End: h2*60 + m2}
	if q.Start < 0 || q.End > 24*60 || q.Start >= q.End {
		return q, fmt.Errorf("quiet hours %s–%s must be a range within one day", start, end)
	}
	return q, nil
}

// NextAllowed returns now if sending is allowed at now in loc, else the next time it is.
func (q QuietHours) NextAllowed(now time.Time, loc *time.Location) time.Time {
	local := now.In(loc)
	minute := local.Hour()*60 + local.Minute()
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	switch {
	case minute < q.Start:
		return day.Add(time.Duration(q.Start) * time.Minute)
	case minute >= q.End:
		return day.AddDate(0, 0, 1).Add(time.Duration(q.Start) * time.Minute)
	}
	return now
}
