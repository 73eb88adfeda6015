package config

import (
	"reflect"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/compliance"
)

func TestSettingsQuiet(t *testing.T) {
	tests := []struct {
		name    string
		s       Settings
		want    compliance.QuietHours
		wantErr bool
	}{
		{"unset is the default", Settings{}, compliance.DefaultQuietHours, false},
		{"settings' hours", Settings{QuietHours: &QuietHours{Start: "09:30", End: "20:00"}}, compliance.QuietHours{Start: 9*60 + 30, End: 20 * 60}, false},
		{"empty strings are the default", Settings{QuietHours: &QuietHours{}}, compliance.DefaultQuietHours, false},
		{"end before start", Settings{QuietHours: &QuietHours{Start: "21:00", End: "08:00"}}, compliance.QuietHours{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.Quiet()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Quiet() error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Quiet() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLineWithSettings(t *testing.T) {
	tm := &Timeouts{}
	l, err := NewLine(Number{Number: "+15550100"}, nil).WithSettings(Settings{SMSChatOff: true, Timeouts: tm})
	if err != nil {
		t.Fatal(err)
	}
	if !l.ChatOff || l.Defaults != tm || l.Quiet != compliance.DefaultQuietHours {
		t.Errorf("WithSettings = chatOff %v defaults %p quiet %+v", l.ChatOff, l.Defaults, l.Quiet)
	}
	if l.OfferWindow() != DefaultOfferTimeout {
		t.Errorf("offer window without a setting = %v, want the default %v", l.OfferWindow(), DefaultOfferTimeout)
	}
	if l, _ := (Line{}).WithSettings(Settings{OfferTimeoutSeconds: 2}); l.OfferWindow() != 2*time.Second {
		t.Errorf("offer window with offerTimeoutSeconds 2 = %v", l.OfferWindow())
	}
	if _, err := (Line{}).WithSettings(Settings{QuietHours: &QuietHours{Start: "xx", End: "08:00"}}); err == nil {
		t.Error("WithSettings accepted bad quiet hours")
	}
}

func TestAgentWithDefaults(t *testing.T) {
	tests := []struct {
		name string
		a    Agent
		s    Settings
		want Agent
	}{
		{"all defaults", Agent{ID: "a"}, Settings{}, Agent{ID: "a", Capacity: DefaultCapacity, Role: RoleAgent, Languages: []string{"en"}, Answer: AnswerAuto}},
		{"settings' capacity", Agent{ID: "a"}, Settings{DefaultCapacity: 5}, Agent{ID: "a", Capacity: 5, Role: RoleAgent, Languages: []string{"en"}, Answer: AnswerAuto}},
		{"agent's own", Agent{ID: "a", Capacity: 2, Role: RoleSupervisor, Languages: []string{"es"}, Answer: AnswerManual}, Settings{DefaultCapacity: 5},
			Agent{ID: "a", Capacity: 2, Role: RoleSupervisor, Languages: []string{"es"}, Answer: AnswerManual}},
		{"negative capacity", Agent{ID: "a", Capacity: -1}, Settings{}, Agent{ID: "a", Capacity: DefaultCapacity, Role: RoleAgent, Languages: []string{"en"}, Answer: AnswerAuto}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.WithDefaults(tt.s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("WithDefaults = %+v, want %+v", got, tt.want)
			}
		})
	}
}
