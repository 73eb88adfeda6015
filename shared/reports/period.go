// Package reports is what smsdesk reports on its chats: the reporting period and its buckets
// in the reader's time zone, the figures per chat, queue and agent, and their CSV export.
package reports

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Grain is the size of a report's buckets.
type Grain string

// Grains.
const (
	Hour  Grain = "hour"
	Day   Grain = "day"
	Week  Grain = "week" // from Monday, as ISO 8601 weeks do
	Month Grain = "month"
)

// MaxRange is the longest period one report covers.
const MaxRange = 400 * 24 * time.Hour

// Period is a report's time range, [From, To), cut into buckets of Grain in Loc.
type Period struct {
	From, To time.Time
	Loc      *time.Location
	Grain    Grain
}

// Bucket is one bucket of a period: [Start, End) in the period's time zone. A day is the
// local day, 23 or 25 hours long when the clocks change.
type Bucket struct {
	Start, End time.Time
}

// ErrPeriod reports a period that cannot be reported on; its message says what to fix.
var ErrPeriod = errors.New("invalid reporting period")

// ParsePeriod reads a period from a request: from and to as RFC 3339 times or local dates
// (2026-03-01, read in tz, to inclusive for dates), tz an IANA zone name (default UTC), grain
// one of hour, day, week, month (default day).
func ParsePeriod(from, to, tz, grain string) (Period, error) {
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return Period{}, fmt.Errorf("%w: timeZone %q is not an IANA time zone such as America/New_York", ErrPeriod, cut(tz))
	}
	p := Period{Loc: loc, Grain: Grain(grain)}
	if p.Grain == "" {
		p.Grain = Day
	}
	switch p.Grain {
	case Hour, Day, Week, Month:
	default:
		return Period{}, fmt.Errorf("%w: grain %q must be hour, day, week or month", ErrPeriod, cut(grain))
	}
	if p.From, err = parseTime(from, loc, false); err != nil {
		return Period{}, fmt.Errorf("%w: from: %v", ErrPeriod, err)
	}
	if p.To, err = parseTime(to, loc, true); err != nil {
		return Period{}, fmt.Errorf("%w: to: %v", ErrPeriod, err)
	}
	if !p.To.After(p.From) {
		return Period{}, fmt.Errorf("%w: to must be after from", ErrPeriod)
	}
	if p.To.Sub(p.From) > MaxRange {
		return Period{}, fmt.Errorf("%w: at most %d days per report", ErrPeriod, int(MaxRange.Hours()/24))
	}
	return p, nil
}

// PeriodParam names the parameter (from, to, timeZone, grain) a ParsePeriod error is about,
// so a form or an API answer can point at it.
func PeriodParam(err error) string {
	msg := err.Error()
	for _, p := range []string{"timeZone", "grain", "from", "to"} {
		if strings.Contains(msg, ": "+p) || strings.Contains(msg, p+" ") {
			return p
		}
	}
	return "from"
}

// parseTime reads an RFC 3339 time, or a date in loc: its start, or with end its next day's.
func parseTime(s string, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("missing: give an RFC 3339 time or a date such as 2026-03-01")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a date such as 2026-03-01", cut(s))
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

// Buckets cuts the period into its buckets, the first and last clipped to the period.
func (p Period) Buckets() []Bucket {
	var out []Bucket
	for start := p.From; start.Before(p.To); {
		end := p.next(start)
		if end.After(p.To) {
			end = p.To
		}
		out = append(out, Bucket{Start: start, End: end})
		start = end
	}
	return out
}

// Bucket is the index of the bucket holding t, or -1 outside the period.
func (p Period) Bucket(t time.Time) int {
	if t.Before(p.From) || !t.Before(p.To) {
		return -1
	}
	for i, b := range p.Buckets() {
		if t.Before(b.End) {
			return i
		}
	}
	return -1
}

// next is the start of the bucket after the one holding t, in local time, so a day is a
// calendar day whatever its length.
func (p Period) next(t time.Time) time.Time {
	l := t.In(p.Loc)
	y, m, d := l.Date()
	switch p.Grain {
	case Hour:
		// The hour of local wall time at t's offset: whole hours of UTC in most zones, :30 in
		// half-hour zones, and each hour of a DST change once (the repeated hour twice).
		_, off := l.Zone()
		wall := t.Add(time.Duration(off) * time.Second).Truncate(time.Hour)
		return wall.Add(time.Hour - time.Duration(off)*time.Second)
	case Week:
		back := (int(l.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-back+7, 0, 0, 0, 0, p.Loc)
	case Month:
		return time.Date(y, m+1, 1, 0, 0, 0, 0, p.Loc)
	}
	return time.Date(y, m, d+1, 0, 0, 0, 0, p.Loc)
}

// cut shortens a value quoted in an error.
func cut(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
