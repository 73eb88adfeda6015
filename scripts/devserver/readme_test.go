package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/shared/carrier"
)

// TestREADMEDocumentsDevVariables: every setting of the local stack that dev.sh and lib.sh read
// from the environment is in the README's table with its default, so the quick start works on
// other ports too.
func TestREADMEDocumentsDevVariables(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range []string{"../dev.sh", "../lib.sh"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`\$\{(SMSDESK_[A-Z_]+):-([^}$]*)\}`).FindAllStringSubmatch(string(src), -1) {
			name, def := m[1], m[2]
			seen++
			row := ""
			for _, line := range strings.Split(string(readme), "\n") {
				if strings.HasPrefix(line, "|") && strings.Contains(line, "`"+name+"`") {
					row = line
				}
			}
			switch {
			case row == "":
				t.Errorf("%s (read by %s) is not in the README's table of variables", name, f)
			case def != "" && !strings.Contains(row, def):
				t.Errorf("README's row for %s does not give its default %q: %s", name, def, row)
			}
		}
	}
	if seen < 4 {
		t.Fatalf("found only %d variables in dev.sh and lib.sh; the pattern is out of date", seen)
	}
}

// TestDevCredentialsAreCarrierShaped: the local stack's default carrier credentials pass the
// webhooks' own checks, so a text sent with the README's first commands is accepted.
func TestDevCredentialsAreCarrierShaped(t *testing.T) {
	src, err := os.ReadFile("../dev.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`TWILIO_ACCOUNT_SID:-([^}]*)\}`).FindStringSubmatch(string(src))
	if m == nil {
		t.Fatal("dev.sh gives no default TWILIO_ACCOUNT_SID")
	}
	if !carrier.ValidAccountSID(m[1]) {
		t.Errorf("dev.sh's default TWILIO_ACCOUNT_SID %q is not AC and 32 hex digits: every local webhook would be refused", m[1])
	}
}
