package config

import (
	"fmt"
	"strings"
	"time"
)

// Hours are business hours in a time zone, with holidays closed all day.
type Hours struct {
	TimeZone string `json:"timeZone" firestore:"timeZone"` // IANA name, e.g. America/New_York
	// Weekly maps a weekday (mon, tue, wed, thu, fri, sat, sun) to opening ranges "09:00-17:30".
	// A day that is absent is closed.
	Weekly   map[string][]string `json:"weekly" firestore:"weekly"`
	Holidays []string            `json:"holidays,omitempty" firestore:"holidays,omitempty"` // 2026-12-25
}

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Open reports whether t falls within the hours. Invalid hours count as open, so a
// configuration mistake never locks consumers out (Validate reports it).
func (h Hours) Open(t time.Time) bool {
	loc, err := time.LoadLocation(h.TimeZone)
	if err != nil {
		return true
	}
	local := t.In(loc)
	day := local.Format("2006-01-02")
	for _, hd := range h.Holidays {
		if hd == day {
			return false
		}
	}
	minute := local.Hour()*60 + local.Minute()
	for _, r := range h.Weekly[weekdays[local.Weekday()]] {
		from, to, err := parseRange(r)
		if err == nil && minute >= from && minute < to {
			return true
		}
	}
	return false
}

// Validate checks the time zone, day names, ranges and holiday dates.
func (h Hours) Validate() error {
	if _, err := time.LoadLocation(h.TimeZone); err != nil || h.TimeZone == "" {
		return fmt.Errorf("time zone %q is not an IANA zone like America/New_York", h.TimeZone)
	}
	for day, ranges := range h.Weekly {
		known := false
		for _, d := range weekdays {
			known = known || d == day
		}
		if !known {
			return fmt.Errorf("weekday %q must be one of %s", day, strings.Join(weekdays, ", "))
		}
		for _, r := range ranges {
			if _, _, err := parseRange(r); err != nil {
				return fmt.Errorf("%s: %w", day, err)
			}
		}
	}
	for _, hd := range h.Holidays {
		if _, err := time.Parse("2006-01-02", hd); err != nil {
			return fmt.Errorf("holiday %q is not a date like 2026-12-25", hd)
		}
	}
	return nil
}

// parseRange reads "09:00-17:30" into minutes since midnight; "24:00" ends a day.
func parseRange(r string) (int, int, error) {
	a, b, ok := strings.Cut(r, "-")
	from, err1 := parseClock(a)
	to, err2 := parseClock(b)
	if !ok || err1 != nil || err2 != nil || to <= from {
		return 0, 0, fmt.Errorf("opening range %q must look like 09:00-17:30", r)
	}
	return from, to, nil
}

func parseClock(s string) (int, error) {
	var h, m int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m > 0) {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return h*60 + m, nil
}
