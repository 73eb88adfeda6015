package session

import (
	"errors"
	"testing"
	"time"
)

func TestAcceptNotification(t *testing.T) {
	at := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	agreed := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	given := &Consent{Source: "checkout form", At: at}
	tests := []struct {
		name        string
		c           Consumer
		consent     *Consent
		want        error
		wantConsent string
	}{
		{"opted out", Consumer{OptedOut: true, ConsentAt: agreed, ConsentSource: "web"}, given, ErrOptedOut, "web"},
		{"no consent on record nor given", Consumer{}, nil, ErrNoConsent, ""},
		{"consent given without source", Consumer{}, &Consent{At: at}, ErrNoConsent, ""},
		{"consent given is recorded", Consumer{}, given, nil, "checkout form"},
		{"consent on record stands", Consumer{ConsentAt: agreed, ConsentSource: "web"}, given, nil, "web"},
		{"possible opt-out pending", Consumer{ConsentAt: agreed, ConsentSource: "web", OptOutFlag: &OptOutFlag{Wording: "stop texting"}}, nil, ErrOptOutPending, "web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			err := c.AcceptNotification(tt.consent, at, "America/Chicago")
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("AcceptNotification = %v, want %v", err, tt.want)
			}
			if c.ConsentSource != tt.wantConsent {
				t.Errorf("consent source %q, want %q", c.ConsentSource, tt.wantConsent)
			}
			if err == nil && (!c.LastNotificationAt.Equal(at) || c.TimeZone != "America/Chicago") {
				t.Errorf("accepted text not recorded: last %v, zone %q", c.LastNotificationAt, c.TimeZone)
			}
			if err != nil && !c.LastNotificationAt.IsZero() {
				t.Errorf("refused text recorded at %v", c.LastNotificationAt)
			}
		})
	}
	c := Consumer{ConsentAt: agreed, TimeZone: "Europe/Madrid"}
	if err := c.AcceptNotification(nil, at, ""); err != nil || c.TimeZone != "Europe/Madrid" {
		t.Errorf("empty time zone: err %v, zone %q; want the known zone kept", err, c.TimeZone)
	}
}

func TestAcceptChat(t *testing.T) {
	agreed := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		c          Consumer
		consent    *Consent
		want       error
		wantActive string
	}{
		{"opted out", Consumer{OptedOut: true, ConsentAt: agreed}, nil, ErrOptedOut, ""},
		{"no consent", Consumer{}, nil, ErrNoConsent, ""},
		{"in a chat", Consumer{ConsentAt: agreed, ActiveSession: "S1"}, nil, ErrBusy, "S1"},
		{"opens", Consumer{}, &Consent{Source: "crm", At: agreed}, nil, "O1"},
		{"possible opt-out does not stop a chat", Consumer{ConsentAt: agreed, OptOutFlag: &OptOutFlag{}}, nil, nil, "O1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			err := c.AcceptChat("O1", tt.consent)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("AcceptChat = %v, want %v", err, tt.want)
			}
			if c.ActiveSession != tt.wantActive {
				t.Errorf("active chat %q, want %q", c.ActiveSession, tt.wantActive)
			}
		})
	}
}
