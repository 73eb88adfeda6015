package crmsync

import (
	"errors"
	"testing"

	"github.com/smsdesk/smsdesk/shared/store"
)

func TestChoose(t *testing.T) {
	waiting := func() *State {
		return &State{Candidates: []store.Candidate{{ID: "c1"}, {ID: "c2"}}}
	}
	tests := []struct {
		name        string
		st          *State
		choice      string
		wantChanged bool
		wantErr     error
		wantChoice  string
	}{
		{"never synced", nil, "c1", false, ErrBadChoice, ""},
		{"a candidate", waiting(), "c2", true, nil, "c2"},
		{"a new contact", waiting(), store.ChoiceNew, true, nil, store.ChoiceNew},
		{"not a candidate", waiting(), "c9", false, ErrBadChoice, ""},
		{"same pick again", &State{Candidates: []store.Candidate{{ID: "c1"}}, Choice: "c1"}, "c1", false, nil, "c1"},
		{"another pick after one", &State{Candidates: []store.Candidate{{ID: "c1"}, {ID: "c2"}}, Choice: "c1"}, "c2", false, ErrBadChoice, "c1"},
		{"contact already linked", &State{ContactID: "c7"}, "c7", false, ErrBadChoice, ""},
		{"one contact, nothing to choose", &State{}, store.ChoiceNew, false, ErrBadChoice, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed, err := Choose("S1", tt.st, tt.choice)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Choose = %v, want %v", err, tt.wantErr)
			}
			if changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
			}
			if tt.st != nil && tt.st.Choice != tt.wantChoice {
				t.Errorf("choice = %q, want %q", tt.st.Choice, tt.wantChoice)
			}
		})
	}
}
