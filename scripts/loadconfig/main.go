// Command loadconfig loads a configuration file (numbers, queues, teams, agents, settings; see
// config.example.json) into the Firestore database of a deployed smsdesk:
//
//	GOOGLE_CLOUD_PROJECT=my-project go run ./scripts/loadconfig -config config.json
//
// It validates the whole file first and writes nothing when it is invalid. Entries in the file
// are created or replaced; agents keep their live status and load. Entries missing from the
// file are not deleted (the admin API's DELETE routes do that). It uses Application Default
// Credentials (gcloud auth application-default login) with roles/datastore.user or more, and
// the Firestore emulator instead when FIRESTORE_EMULATOR_HOST is set.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/store"
)

func main() {
	project := flag.String("project", os.Getenv("GOOGLE_CLOUD_PROJECT"), "Google Cloud project whose Firestore gets the configuration (default $GOOGLE_CLOUD_PROJECT)")
	file := flag.String("config", "", "configuration file to load, e.g. config.json (see config.example.json)")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	summary, err := run(ctx, *project, *file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadconfig:", err)
		os.Exit(1)
	}
	fmt.Println(summary)
}

// run validates file and loads it into the Firestore of project, returning what it loaded.
func run(ctx context.Context, project, file string) (string, error) {
	if file == "" {
		return "", errors.New("no configuration file: pass -config FILE (config.example.json shows the format)")
	}
	if project == "" {
		return "", errors.New("no project: set GOOGLE_CLOUD_PROJECT or pass -project PROJECT_ID")
	}
	c, err := config.LoadFile(file)
	if err != nil {
		return "", fmt.Errorf("%w\nnothing was written", err)
	}

	target := "project " + project
	if host := os.Getenv("FIRESTORE_EMULATOR_HOST"); host != "" {
		target = fmt.Sprintf("the Firestore emulator at %s (FIRESTORE_EMULATOR_HOST), project %s", host, project)
	}
	fs, err := firestore.NewClient(ctx, project)
	if err != nil {
		return "", fmt.Errorf("connect to Firestore of %s: %w\nlog in with: gcloud auth application-default login", target, err)
	}
	defer fs.Close()

	if err := store.New(fs).LoadCatalog(ctx, c); err != nil {
		return "", fmt.Errorf("load %s into %s: %w%s", file, target, err, hint(err))
	}
	return fmt.Sprintf("loaded %s into %s: %d numbers, %d queues, %d teams, %d agents",
		file, target, len(c.Numbers), len(c.Queues), len(c.Teams), len(c.Agents)), nil
}

// hint says what to do about the errors an operator meets on a new project.
func hint(err error) string {
	switch status.Code(err) {
	case codes.PermissionDenied, codes.Unauthenticated:
		return "\nyour Application Default Credentials need roles/datastore.user on the project: gcloud auth application-default login"
	case codes.NotFound, codes.FailedPrecondition:
		return "\nthe project has no Firestore (default) database yet: run terraform apply in terraform/ first"
	}
	if status.Code(err) == codes.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
		return "\ntimed out; check the project id and your network, or raise -timeout"
	}
	return ""
}
