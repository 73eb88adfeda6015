package config

import (
	"strings"
	"testing"
)

func TestValidateChecksPasswordsAndEmails(t *testing.T) {
	c := Catalog{Agents: []Agent{
		{ID: "ana", Password: "elevenchars", Email: "ana@example.com"},
		{ID: "bea", Password: strings.Repeat("p", 257)},
		{ID: "carl", Password: "twelve-chars", Email: "ANA@example.com"},
		{ID: "dora", Email: "Dora <dora@example.com>"},
		{ID: "eve", Password: "ñññññññññññ"}, // 11 characters in 22 bytes: still too short
		{ID: "fay", Password: "a-long-enough-password", Email: "fay@example.com"},
	}}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted short, long and duplicate credentials")
	}
	msg := err.Error()
	for _, want := range []string{
		`agent "ana": password needs at least 12 characters`,
		`agent "bea": password is over 256 bytes`,
		`agent "carl": email "ANA@example.com" is already agent "ana"'s`,
		`agent "dora": email "Dora <dora@example.com>" is not an address`,
		`agent "eve": password needs at least 12 characters`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("Validate = %v\nwant it to say %s", msg, want)
		}
	}
	for _, leak := range []string{"elevenchars", "twelve-chars", "a-long-enough-password", `"fay"`} {
		if strings.Contains(msg, leak) {
			t.Errorf("Validate's message shows %s: %v", leak, msg)
		}
	}
}
