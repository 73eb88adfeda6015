package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/store"
)

func TestRunNeedsFileAndProject(t *testing.T) {
	ctx := context.Background()
	if _, err := run(ctx, "p", ""); err == nil || !strings.Contains(err.Error(), "-config") {
		t.Errorf("without a file: got %v, want an error naming -config", err)
	}
	if _, err := run(ctx, "", "config.json"); err == nil || !strings.Contains(err.Error(), "GOOGLE_CLOUD_PROJECT") {
		t.Errorf("without a project: got %v, want an error naming GOOGLE_CLOUD_PROJECT", err)
	}
}

// An invalid file is refused before anything connects, so this needs no Firestore.
func TestRunRefusesInvalidConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	bad := `{"numbers": [], "queues": [], "agents": [{"id": "ana", "name": "Ana", "queues": ["nowhere"]}]}`
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := run(context.Background(), "no-such-project", path)
	if err == nil || !strings.Contains(err.Error(), "nowhere") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("got %v, want the validation error naming the unknown queue and that nothing was written", err)
	}
	if _, err := run(context.Background(), "no-such-project", filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("a missing file was accepted")
	}
}

// TestRunLoadsIntoFirestore loads the example configuration into the Firestore emulator, which
// scripts/test.sh starts, and reads it back.
func TestRunLoadsIntoFirestore(t *testing.T) {
	if os.Getenv("FIRESTORE_EMULATOR_HOST") == "" {
		t.Skip("needs the Firestore emulator: run scripts/test.sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	project := fmt.Sprintf("loadconfig-%d", time.Now().UnixNano())
	example := filepath.Join("..", "..", "config.example.json")
	summary, err := run(ctx, project, example)
	if err != nil {
		t.Fatal(err)
	}
	want, err := config.LoadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := firestore.NewClient(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	got, err := store.New(fs).ReadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Numbers) != len(want.Numbers) || len(got.Queues) != len(want.Queues) || len(got.Agents) != len(want.Agents) {
		t.Fatalf("read back %d numbers, %d queues, %d agents; want %d, %d, %d (%s)",
			len(got.Numbers), len(got.Queues), len(got.Agents), len(want.Numbers), len(want.Queues), len(want.Agents), summary)
	}
}
