package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// benchTestEnv names, in a test's own process, the test that process runs.
const benchTestEnv = "SMSDESK_BENCH_TEST"

// needEmulators skips t without the emulators, as shared/internal/emulatortest does
// (internal to shared/); under CI=true it fails instead, so CI never passes by skipping.
func needEmulators(t *testing.T) {
	t.Helper()
	if os.Getenv("FIRESTORE_EMULATOR_HOST") != "" && os.Getenv("PUBSUB_EMULATOR_HOST") != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("needs the Firestore and Pub/Sub emulators; under CI=true a missing emulator is a failure")
	}
	t.Skip("needs the Firestore and Pub/Sub emulators: run scripts/test.sh, which starts them")
}

// benchFor sets up the bench of f for t, over the emulators, closed when t ends.
func benchFor(t *testing.T, f flags) (context.Context, *slog.Logger, *bench) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := setup(ctx, f, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	return ctx, log, b
}

// inOwnProcess runs t again alone in a new process of this test binary and reports true
// there (the caller returns), or false in that process (the caller goes on). A test that
// starts the system needs its own: localrun.Start serves the Functions Framework's global
// registry and installs the app process-wide, once per process.
func inOwnProcess(t *testing.T) bool {
	t.Helper()
	if os.Getenv(benchTestEnv) == t.Name() {
		return false
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), benchTestEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s in its own process: %v\n%s", t.Name(), err, testOutput(out))
	}
	if testing.Verbose() {
		t.Logf("%s in its own process:\n%s", t.Name(), testOutput(out))
	}
	return true
}

// testOutput leaves out of a test process's output the functions' JSON logs and the
// Functions Framework's start-up lines, which hide the test's own.
func testOutput(out []byte) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(string(out), "\n") {
		if !strings.HasPrefix(l, "{") && !strings.HasPrefix(l, "Serving function") {
			b.WriteString(l)
		}
	}
	return b.String()
}
