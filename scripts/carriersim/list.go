package carriersim

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// sentFilter is one of the list endpoint's date_sent filters: DateSent (that day or second),
// DateSent< (on or before) and DateSent> (on or after). A date alone (2006-01-02) compares
// whole UTC days, as the API documents; twilio-go sends RFC 3339 times, compared to the second.
type sentFilter struct {
	op      byte // '=', '<' or '>'
	at      time.Time
	dayOnly bool
}

func parseSentFilter(op byte, v string) (sentFilter, error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return sentFilter{op: op, at: t, dayOnly: true}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return sentFilter{}, fmt.Errorf("%q is neither YYYY-MM-DD nor an RFC 3339 time", v)
	}
	return sentFilter{op: op, at: t.UTC()}, nil
}

// match reports whether a message sent at sent passes; one never sent passes no date filter.
func (f sentFilter) match(sent time.Time) bool {
	if sent.IsZero() {
		return false
	}
	a, b := sent.UTC().Truncate(time.Second), f.at.Truncate(time.Second)
	if f.dayOnly {
		a, b = a.Truncate(24*time.Hour), b.Truncate(24*time.Hour)
	}
	switch f.op {
	case '<':
		return !a.After(b)
	case '>':
		return !a.Before(b)
	}
	return a.Equal(b)
}

// handleList answers GET .../Messages.json: the account's outbound messages, newest first,
// filtered by To, From and the DateSent filters, a page of PageSize (default 50, at most
// 1000) at a time, with next_page_uri leading to the next page.
func (s *Sim) handleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	to, from := q.Get("To"), q.Get("From")
	var filters []sentFilter
	for key, op := range map[string]byte{"DateSent": '=', "DateSent<": '<', "DateSent>": '>'} {
		if v := q.Get(key); v != "" {
			f, err := parseSentFilter(op, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, 20001, "Invalid "+key+": "+err.Error())
				return
			}
			filters = append(filters, f)
		}
	}
	size, _ := strconv.Atoi(q.Get("PageSize"))
	if size <= 0 {
		size = 50
	}
	size = min(size, 1000)
	page, _ := strconv.Atoi(q.Get("Page"))
	page = max(page, 0)

	s.mu.Lock()
	var matched []map[string]any
	for i := len(s.messages) - 1; i >= 0; i-- {
		m := s.messages[i]
		if (to != "" && m.To != to) || (from != "" && m.From != from) {
			continue
		}
		ok := true
		for _, f := range filters {
			ok = ok && f.match(m.Sent)
		}
		if ok {
			matched = append(matched, s.renderLocked(m))
		}
	}
	s.mu.Unlock()

	start := min(page*size, len(matched))
	end := min(start+size, len(matched))
	list := matched[start:end]
	if list == nil {
		list = []map[string]any{}
	}
	pageURI := func(p int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "Page" && k != "PageToken" {
				v[k] = vs
			}
		}
		v.Set("PageSize", strconv.Itoa(size))
		v.Set("Page", strconv.Itoa(p))
		if p > 0 {
			v.Set("PageToken", fmt.Sprintf("PASM%d", p*size))
		}
		return r.URL.Path + "?" + v.Encode()
	}
	var next, prev any
	if end < len(matched) {
		next = pageURI(page + 1)
	}
	if page > 0 {
		prev = pageURI(page - 1)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"messages": list, "start": start, "end": max(end-1, start), "page": page, "page_size": size,
		"first_page_uri": pageURI(0), "next_page_uri": next, "previous_page_uri": prev, "uri": r.URL.RequestURI(),
	})
}
