package reports

import (
	"fmt"
	"slices"
	"strings"
)

// Recounted reports whether counter name comes from chats' tallies (and so a recount from
// the chats must give it back): missed offers and time in a status come from elsewhere.
func Recounted(name string) bool {
	return name != MissedOffers && !strings.HasPrefix(name, StatusSecondsPref)
}

// Diff lists, one line each, the tally counters where stored differs from want, for the
// rollups keep selects.
func Diff(want, stored []Rollup, keep func(Rollup) bool) []string {
	flat := func(rs []Rollup) map[string]int64 {
		m := map[string]int64{}
		for _, r := range rs {
			if !keep(r) {
				continue
			}
			doc := RollupID(r.Kind, r.ID, r.Day)
			for h, cs := range r.Hours {
				for name, v := range cs {
					if Recounted(name) && v != 0 {
						// A busy owner's day is kept in several shards: they add up.
						k := doc + " h." + h + "." + name
						if strings.HasPrefix(name, "max") {
							m[k] = max(m[k], v)
						} else {
							m[k] += v
						}
					}
				}
			}
		}
		return m
	}
	w, s := flat(want), flat(stored)
	var out []string
	for k, v := range w {
		if s[k] != v {
			out = append(out, fmt.Sprintf("%s: recount %d, rollups %d", k, v, s[k]))
		}
	}
	for k, v := range s {
		if _, ok := w[k]; !ok {
			out = append(out, fmt.Sprintf("%s: recount 0, rollups %d", k, v))
		}
	}
	slices.Sort(out)
	return out
}
