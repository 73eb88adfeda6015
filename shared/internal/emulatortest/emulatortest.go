// Package emulatortest decides what a test that needs the gcloud emulators does without
// them: it skips, saying that scripts/test.sh starts them and runs everything, so that
// `go test ./shared/... ./functions/...` passes on a machine with none running. Under CI
// (CI=true) a missing emulator fails the test instead, so CI never passes by running nothing.
package emulatortest

import (
	"os"
	"testing"
)

// Firestore skips t (fails it under CI=true) unless FIRESTORE_EMULATOR_HOST is set.
func Firestore(t testing.TB) {
	t.Helper()
	require(t, "FIRESTORE_EMULATOR_HOST", os.Getenv("FIRESTORE_EMULATOR_HOST"))
}

// PubSub skips t (fails it under CI=true) unless PUBSUB_EMULATOR_HOST is set.
func PubSub(t testing.TB) {
	t.Helper()
	require(t, "PUBSUB_EMULATOR_HOST", os.Getenv("PUBSUB_EMULATOR_HOST"))
}

// require skips or fails t when the variable name has no value.
func require(t testing.TB, name, value string) {
	t.Helper()
	if value != "" {
		return
	}
	msg := "needs the emulators (" + name + " unset): run scripts/test.sh, which starts them and runs every test"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; under CI=true a missing emulator is a failure, not a skip")
		return
	}
	t.Skip(msg)
}
