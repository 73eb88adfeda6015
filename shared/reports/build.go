package reports

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rollup is one stored rollup document: the counters of one queue, agent or line of
// business on one UTC day, by hour ("07" → counter → value).
type Rollup struct {
	Kind  string                      `firestore:"kind"`
	ID    string                      `firestore:"id"`
	Day   time.Time                   `firestore:"day"` // the UTC day's midnight
	Hours map[string]map[string]int64 `firestore:"h"`
}

// Series are counters per owner (queue, agent, line) and per bucket of a Period, the
// period's total last.
type Series map[string][]map[string]int64

// Sum adds the rollups of kind into the buckets of p: each UTC hour goes to the bucket of
// its start in p's time zone; hours outside the period are left out.
func Sum(p Period, kind string, rollups []Rollup) Series {
	buckets := p.Buckets()
	out := Series{}
	for _, r := range rollups {
		if r.Kind != kind {
			continue
		}
		s := out[r.ID]
		if s == nil {
			s = make([]map[string]int64, len(buckets)+1)
			for i := range s {
				s[i] = map[string]int64{}
			}
			out[r.ID] = s
		}
		for h, counters := range r.Hours {
			n, err := strconv.Atoi(h)
			if err != nil {
				continue
			}
			i := bucketOf(buckets, r.Day.UTC().Add(time.Duration(n)*time.Hour))
			if i < 0 {
				continue
			}
			for name, v := range counters {
				add(s[i], name, v)
				add(s[len(buckets)], name, v)
			}
		}
	}
	return out
}

func add(m map[string]int64, name string, v int64) {
	if len(name) >= 3 && name[:3] == "max" {
		m[name] = max(m[name], v)
		return
	}
	m[name] += v
}

func bucketOf(bs []Bucket, t time.Time) int {
	i, found := slices.BinarySearchFunc(bs, t, func(b Bucket, t time.Time) int {
		switch {
		case !t.Before(b.End):
			return -1
		case t.Before(b.Start):
			return 1
		}
		return 0
	})
	if !found {
		return -1
	}
	return i
}

// Days are the UTC days whose rollups a report over p reads: from the day of p.From to the
// day of the last instant before p.To.
func Days(p Period) (first, last time.Time) {
	return p.From.UTC().Truncate(24 * time.Hour), p.To.Add(-time.Nanosecond).UTC().Truncate(24 * time.Hour)
}

func ratio(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

func avg(sum, n int64) *float64 { return ratio(sum, n) }

// Rollups are counts as the stored rollup documents would hold them had they started
// empty: for recounts and tests.
func (c Counts) Rollups() []Rollup {
	var out []Rollup
	for doc, fields := range c {
		kind, id, day, err := ParseRollupID(doc)
		if err != nil {
			continue
		}
		r := Rollup{Kind: kind, ID: id, Day: day, Hours: map[string]map[string]int64{}}
		for path, n := range fields {
			parts := strings.SplitN(path, ".", 3)
			if len(parts) != 3 {
				continue
			}
			if r.Hours[parts[1]] == nil {
				r.Hours[parts[1]] = map[string]int64{}
			}
			r.Hours[parts[1]][parts[2]] = n
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Rollup) int { return strings.Compare(a.Kind+a.ID+a.Day.String(), b.Kind+b.ID+b.Day.String()) })
	return out
}
