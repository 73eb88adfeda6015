package agent

import (
	"testing"
	"time"
)

func TestFree(t *testing.T) {
	tests := []struct {
		name string
		a    Agent
		want bool
	}{
		{"available with room", Agent{Status: Available, Capacity: 2, ActiveChats: 1}, true},
		{"available and full", Agent{Status: Available, Capacity: 2, ActiveChats: 2}, false},
		{"busy", Agent{Status: Busy, Capacity: 2}, false},
		{"offline", Agent{Status: Offline, Capacity: 2}, false},
		{"disabled while available with room", Agent{Status: Available, Capacity: 2, Disabled: true}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Free(); got != tt.want {
			t.Errorf("%s: Free() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestServesSpeaksIdleSince(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	a := Agent{ServesQueues: []string{"billing"}, Languages: []string{"en", "es"}, StatusAt: t0, LastAssignedAt: t0.Add(time.Hour), Role: "supervisor"}
	if !a.Serves("billing") || a.Serves("sales") {
		t.Errorf("Serves: billing %v, sales %v", a.Serves("billing"), a.Serves("sales"))
	}
	if !a.Speaks("es") || a.Speaks("fr") {
		t.Errorf("Speaks: es %v, fr %v", a.Speaks("es"), a.Speaks("fr"))
	}
	if got := a.IdleSince(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("IdleSince = %v, want the last assignment", got)
	}
	if !a.SeesFullNumbers() || (Agent{Role: "agent"}).SeesFullNumbers() {
		t.Error("SeesFullNumbers: want supervisors only among these")
	}
	for s, want := range map[string]bool{Available: true, Busy: true, Away: true, Offline: true, "lunch": false, "": false} {
		if ValidStatus(s) != want {
			t.Errorf("ValidStatus(%q) = %v", s, !want)
		}
	}
}
