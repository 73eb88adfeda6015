package reports

import (
	"encoding/csv"
	"io"
	"strings"
	"time"
)

// CSV writes a report as CSV, row by row, so an export of any length runs in bounded memory.
// Its first row is the reporting period; every cell a spreadsheet could run as a formula is
// neutralised.
type CSV struct {
	w    *csv.Writer
	rows int
}

// flushEvery bounds how many rows wait in the buffer before reaching the reader.
const flushEvery = 500

// NewCSV starts a CSV export of period p, titled title, on w.
func NewCSV(w io.Writer, title string, p Period) (*CSV, error) {
	c := &CSV{w: csv.NewWriter(w)}
	err := c.Row(title, "from", p.From.In(p.Loc).Format(time.RFC3339), "to", p.To.In(p.Loc).Format(time.RFC3339),
		"time zone", p.Loc.String(), "by", string(p.Grain))
	return c, err
}

// Row writes one row.
func (c *CSV) Row(cells ...string) error {
	out := make([]string, len(cells))
	for i, s := range cells {
		out[i] = Neutralise(s)
	}
	if err := c.w.Write(out); err != nil {
		return err
	}
	if c.rows++; c.rows%flushEvery == 0 {
		c.w.Flush()
	}
	return c.w.Error()
}

// Close flushes what is left.
func (c *CSV) Close() error {
	c.w.Flush()
	return c.w.Error()
}

// Neutralise makes a cell that a spreadsheet would read as a formula (one beginning with =,
// +, -, @, a tab or a carriage return) plain text, by a leading apostrophe as OWASP advises.
// A consumer can text "=HYPERLINK(...)"; the export must never run it.
func Neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
