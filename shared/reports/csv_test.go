package reports

import (
	"encoding/csv"
	"strings"
	"testing"
)

func TestCSVNeutralisesFormulasAndStartsWithThePeriod(t *testing.T) {
	p, _ := ParsePeriod("2026-03-01", "2026-03-31", "America/New_York", "day")
	var b strings.Builder
	w, err := NewCSV(&b, "Chats", p)
	if err != nil {
		t.Fatal(err)
	}
	hostile := []string{`=HYPERLINK("http://x","y")`, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "plain, with comma", `"quoted"`, ""}
	if err := w.Row(hostile...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "Chats" || rows[0][2] != "2026-03-01T00:00:00-05:00" || rows[0][4] != "2026-04-01T00:00:00-04:00" || rows[0][6] != "America/New_York" {
		t.Fatalf("first row %q; want the reporting period", rows[0])
	}
	for i, cell := range rows[1] {
		want := hostile[i]
		if i < 6 {
			want = "'" + want
		}
		if cell != want {
			t.Errorf("cell %d = %q, want %q", i, cell, want)
		}
	}
}
