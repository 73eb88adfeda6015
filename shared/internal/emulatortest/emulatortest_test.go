package emulatortest

import (
	"strings"
	"testing"
)

// outcome records what require did to a test.
type outcome struct {
	testing.TB
	skipped, failed string
}

func (o *outcome) Helper()           {}
func (o *outcome) Skip(args ...any)  { o.skipped = args[0].(string) }
func (o *outcome) Fatal(args ...any) { o.failed = args[0].(string) }

func TestRequire(t *testing.T) {
	t.Setenv("CI", "")
	o := &outcome{TB: t}
	require(o, "FIRESTORE_EMULATOR_HOST", "")
	if o.failed != "" || !strings.Contains(o.skipped, "scripts/test.sh") || !strings.Contains(o.skipped, "FIRESTORE_EMULATOR_HOST") {
		t.Errorf("without the emulator and CI: skipped %q, failed %q; want a skip naming scripts/test.sh and the variable", o.skipped, o.failed)
	}
	t.Setenv("CI", "true")
	o = &outcome{TB: t}
	require(o, "FIRESTORE_EMULATOR_HOST", "")
	if o.skipped != "" || !strings.Contains(o.failed, "FIRESTORE_EMULATOR_HOST") {
		t.Errorf("without the emulator under CI: skipped %q, failed %q; want a failure", o.skipped, o.failed)
	}
	o = &outcome{TB: t}
	require(o, "FIRESTORE_EMULATOR_HOST", "127.0.0.1:8681")
	if o.skipped != "" || o.failed != "" {
		t.Errorf("with the emulator: skipped %q, failed %q", o.skipped, o.failed)
	}
}
