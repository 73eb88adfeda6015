package reports

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDaysFollowTheLocalCalendarAcrossDST(t *testing.T) {
	// New York springs forward on 8 March 2026 and falls back on 1 November 2026.
	p, err := ParsePeriod("2026-03-07", "2026-03-09", "America/New_York", "day")
	if err != nil {
		t.Fatal(err)
	}
	var hours []float64
	for _, b := range p.Buckets() {
		hours = append(hours, b.End.Sub(b.Start).Hours())
	}
	if len(hours) != 3 || hours[0] != 24 || hours[1] != 23 || hours[2] != 24 {
		t.Errorf("days of 7-9 March in New York last %v hours; want 24, 23, 24", hours)
	}
	p, _ = ParsePeriod("2026-11-01", "2026-11-01", "America/New_York", "hour")
	if n := len(p.Buckets()); n != 25 {
		t.Errorf("1 November in New York has %d hours; want 25", n)
	}
	// A chat at 01:30 EST (the second 01:30) falls in the second 1 o'clock bucket.
	second := time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC)
	if i := p.Bucket(second); i != 2 {
		t.Errorf("the second 01:30 is in bucket %d; want 2", i)
	}
}

func TestWeeksStartOnMondayAndMonthsOnTheFirst(t *testing.T) {
	p, _ := ParsePeriod("2026-12-02", "2027-01-05", "Europe/Madrid", "week")
	bs := p.Buckets()
	if len(bs) != 6 || bs[1].Start.In(p.Loc).Weekday() != time.Monday || bs[1].Start.In(p.Loc).Day() != 7 {
		t.Errorf("weeks: %v", bs)
	}
	p, _ = ParsePeriod("2026-01-15", "2026-03-31", "Asia/Kolkata", "month")
	bs = p.Buckets()
	if len(bs) != 3 || bs[1].Start.In(p.Loc).Format(time.DateOnly) != "2026-02-01" || bs[2].End.In(p.Loc).Format(time.DateOnly) != "2026-04-01" {
		t.Errorf("months: %v", bs)
	}
	// India is UTC+5:30: its hours start at half past in UTC.
	p, _ = ParsePeriod("2026-01-15", "2026-01-15", "Asia/Kolkata", "hour")
	if bs = p.Buckets(); len(bs) != 24 || bs[0].Start.UTC().Minute() != 30 {
		t.Errorf("Kolkata hours: %d, first at %s", len(bs), bs[0].Start.UTC())
	}
}

func TestBadPeriodsSayWhatToFix(t *testing.T) {
	for _, c := range []struct{ from, to, tz, grain, want string }{
		{"2026-03-01", "2026-03-02", "Mars/Olympus", "day", "IANA time zone"},
		{"2026-03-01", "2026-03-02", "", "fortnight", "hour, day, week or month"},
		{"yesterday", "2026-03-02", "", "", "RFC 3339"},
		{"", "2026-03-02", "", "", "missing"},
		{"2026-03-02", "2026-03-01", "", "", "after from"},
		{"2024-01-01", "2026-03-01", "", "", "at most 400 days"},
	} {
		_, err := ParsePeriod(c.from, c.to, c.tz, c.grain)
		if !errors.Is(err, ErrPeriod) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParsePeriod(%q, %q, %q, %q) = %v; want an ErrPeriod saying %q", c.from, c.to, c.tz, c.grain, err, c.want)
		}
	}
}

func TestPeriodParamNamesTheField(t *testing.T) {
	for _, c := range []struct{ from, to, tz, grain, want string }{
		{"2026-03-01", "2026-03-07", "Mars/Olympus", "", "timeZone"},
		{"2026-03-01", "2026-03-07", "UTC", "fortnight", "grain"},
		{"March", "2026-03-07", "UTC", "", "from"},
		{"2026-03-01", "", "UTC", "", "to"},
		{"2026-03-07", "2026-03-01", "UTC", "", "to"},
	} {
		_, err := ParsePeriod(c.from, c.to, c.tz, c.grain)
		if err == nil {
			t.Fatalf("%+v: no error", c)
		}
		if got := PeriodParam(err); got != c.want {
			t.Errorf("%+v: PeriodParam(%q) = %s, want %s", c, err, got, c.want)
		}
	}
}
