package compliance

import (
	"testing"
	"time"
)

func TestQuietHours(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	q := DefaultQuietHours
	noon := time.Date(2026, 11, 25, 12, 0, 0, 0, ny)
	if got := q.NextAllowed(noon, ny); !got.Equal(noon) {
		t.Errorf("noon: %v", got)
	}
	late := time.Date(2026, 11, 25, 22, 30, 0, 0, ny)
	if got := q.NextAllowed(late, ny); !got.Equal(time.Date(2026, 11, 26, 8, 0, 0, 0, ny)) {
		t.Errorf("22:30: %v", got)
	}
	early := time.Date(2026, 11, 25, 6, 0, 0, 0, ny)
	if got := q.NextAllowed(early, ny); !got.Equal(time.Date(2026, 11, 25, 8, 0, 0, 0, ny)) {
		t.Errorf("06:00: %v", got)
	}
	if _, err := ParseQuietHours("21:00", "08:00"); err == nil {
		t.Error("inverted range accepted")
	}
}
