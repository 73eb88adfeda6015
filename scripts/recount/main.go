// Command recount recomputes the report rollups from the chats, the one-way and bulk texts
// the carrier accepted and the blocked numbers' dropped calls and texts themselves over a
// range of UTC days and prints every counter where the stored rollups differ; it exits 1
// when any do:
//
//	GOOGLE_CLOUD_PROJECT=my-project go run ./scripts/recount -from 2026-03-01 -to 2026-03-31
//
// Missed offers and time in each status are not recounted (they come from the missed offers
// and status changes, not from the chats). It uses the Firestore emulator when
// FIRESTORE_EMULATOR_HOST is set.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/reporting"
	"github.com/smsdesk/smsdesk/shared/store"
)

func main() {
	project := flag.String("project", os.Getenv("GOOGLE_CLOUD_PROJECT"), "Google Cloud project (default $GOOGLE_CLOUD_PROJECT)")
	from := flag.String("from", "", "first UTC day, e.g. 2026-03-01")
	to := flag.String("to", "", "last UTC day (inclusive; default: from)")
	lines := flag.String("lines", "", "comma-separated lines of business to recount (default: all)")
	timeout := flag.Duration("timeout", 30*time.Minute, "give up after this long")
	flag.Parse()
	if *to == "" {
		*to = *from
	}
	first, err1 := time.Parse(time.DateOnly, *from)
	last, err2 := time.Parse(time.DateOnly, *to)
	if err1 != nil || err2 != nil || last.Before(first) || *project == "" {
		fmt.Fprintln(os.Stderr, "recount: give -project (or $GOOGLE_CLOUD_PROJECT), -from and -to as dates such as 2026-03-01, to not before from")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	fs, err := firestore.NewClient(ctx, *project)
	if err != nil {
		fmt.Fprintln(os.Stderr, "recount:", err)
		os.Exit(2)
	}
	defer fs.Close()
	var only []string
	if *lines != "" {
		only = strings.Split(*lines, ",")
	}
	diffs, err := reporting.Recount(ctx, store.New(fs), first, last, only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "recount:", err)
		os.Exit(2)
	}
	for _, d := range diffs {
		fmt.Println(d)
	}
	if len(diffs) > 0 {
		fmt.Fprintf(os.Stderr, "recount: %d counters differ from the chats, texts and drops\n", len(diffs))
		os.Exit(1)
	}
	fmt.Println("recount: the rollups agree with the chats, texts and drops")
}
