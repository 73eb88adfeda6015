package metering_test

import (
	"testing"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/metering"
)

func TestByCollectionSplitsReadsAndWritesPerCollection(t *testing.T) {
	ctx := testCtx(t)
	fs, m := meteredFirestore(t)
	things := fs.Collection("things")
	if _, err := things.Doc("a").Set(ctx, map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	batch := fs.BulkWriter(ctx)
	for _, id := range []string{"p1", "p2"} {
		if _, err := batch.Set(things.Doc("a").Collection("parts").Doc(id), map[string]any{"n": 2}); err != nil {
			t.Fatal(err)
		}
	}
	batch.End()
	before := m.ByCollection()
	m.Follow("things/a", "things/missing")
	if _, err := things.Doc("a").Get(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := things.Doc("missing").Get(ctx); err == nil {
		t.Fatal("a missing document was found")
	}
	if _, err := things.Doc("a").Collection("parts").Documents(ctx).GetAll(); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Collection("nothing").Where("n", "==", 1).Documents(ctx).GetAll(); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.CollectionGroup("parts").Where("n", "==", 9).Documents(ctx).GetAll(); err != nil {
		t.Fatal(err)
	}
	if _, err := things.Doc("a").Update(ctx, []firestore.Update{{Path: "n", Value: 3}}); err != nil {
		t.Fatal(err)
	}

	if a, missing, b := m.DocumentReads("things/a"), m.DocumentReads("things/missing"), m.DocumentReads("things/b"); a != 1 || missing != 1 || b != 0 {
		t.Errorf("followed reads: things/a %d, things/missing %d, unfollowed things/b %d; want 1, 1, 0", a, missing, b)
	}
	got := m.ByCollection()
	want := metering.Breakdown{
		"things":       {Collection: "things", Reads: 2, Writes: 1},
		"things/parts": {Collection: "things/parts", Reads: 2},
		"nothing":      {Collection: "nothing", Reads: 1},
		"parts":        {Collection: "parts", Reads: 1},
	}
	diff := got.Sub(before)
	if len(diff) != len(want) {
		t.Errorf("collections %v, want %v", diff, want)
	}
	for k, w := range want {
		if diff[k] != w {
			t.Errorf("%s: %+v, want %+v", k, diff[k], w)
		}
	}
	if w := got["things/parts"].Writes; w != 2 {
		t.Errorf("bulk writes to things/parts: %d, want 2", w)
	}
	var sum metering.Counts
	for _, c := range got {
		sum.Reads += c.Reads
		sum.Writes += c.Writes
	}
	if tot := m.Snapshot(); sum.Reads != tot.Reads || sum.Writes != tot.Writes {
		t.Errorf("breakdown sums to %+v, totals are %+v", sum, tot)
	}
	if s := diff.Sorted(); s[0].Collection != "things" {
		t.Errorf("sorted: %v, want things first (3 operations)", s)
	}
}
