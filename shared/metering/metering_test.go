package metering_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	"github.com/smsdesk/smsdesk/shared/internal/emulatortest"
	"github.com/smsdesk/smsdesk/shared/metering"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func projectID(t *testing.T) string {
	return fmt.Sprintf("metering-%d", time.Now().UnixNano())
}

// meteredFirestore is a Firestore client on a fresh project with a new Meter installed.
func meteredFirestore(t *testing.T) (*firestore.Client, *metering.Meter) {
	t.Helper()
	emulatortest.Firestore(t)
	m := metering.New()
	fs, err := firestore.NewClient(context.Background(), projectID(t), m.FirestoreOptions()...)
	if err != nil {
		t.Fatalf("firestore client: %v", err)
	}
	t.Cleanup(func() { fs.Close() })
	return fs, m
}

// expect checks the operations counted since before.
func expect(t *testing.T, what string, m *metering.Meter, before, want metering.Counts) {
	t.Helper()
	if got := m.Snapshot().Sub(before); got != want {
		t.Errorf("%s: counted %+v, want %+v", what, got, want)
	}
}

func TestTransactionCountsReadsAndWrites(t *testing.T) {
	ctx := testCtx(t)
	fs, m := meteredFirestore(t)
	col := fs.Collection("things")
	for _, id := range []string{"a", "b"} {
		if _, err := col.Doc(id).Set(ctx, map[string]any{"n": 1}); err != nil {
			t.Fatal(err)
		}
	}
	expect(t, "two sets", m, metering.Counts{}, metering.Counts{Writes: 2})

	before := m.Snapshot()
	err := fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		for _, id := range []string{"a", "b"} {
			if _, err := tx.Get(col.Doc(id)); err != nil {
				return err
			}
		}
		if err := tx.Update(col.Doc("a"), []firestore.Update{{Path: "n", Value: firestore.Increment(1)}}); err != nil {
			return err
		}
		if err := tx.Set(col.Doc("b"), map[string]any{"n": 5, "at": firestore.ServerTimestamp}); err != nil {
			return err
		}
		return tx.Create(col.Doc("c"), map[string]any{"n": 3})
	})
	if err != nil {
		t.Fatalf("transaction: %v", err)
	}
	expect(t, "transaction reading 2 and writing 3", m, before, metering.Counts{Reads: 2, Writes: 3})
}

func TestGetsAndQueriesCountDocuments(t *testing.T) {
	ctx := testCtx(t)
	fs, m := meteredFirestore(t)
	col := fs.Collection("items")
	for i := range 3 {
		if _, err := col.Doc(fmt.Sprintf("i%d", i)).Set(ctx, map[string]any{"kind": "x", "i": i}); err != nil {
			t.Fatal(err)
		}
	}

	before := m.Snapshot()
	if _, err := col.Doc("nope").Get(ctx); err == nil {
		t.Fatal("missing document was found")
	}
	expect(t, "get of a missing document", m, before, metering.Counts{Reads: 1})

	before = m.Snapshot()
	snaps, err := fs.GetAll(ctx, []*firestore.DocumentRef{col.Doc("i0"), col.Doc("i1"), col.Doc("nope")})
	if err != nil || len(snaps) != 3 {
		t.Fatalf("GetAll: %d snapshots, %v", len(snaps), err)
	}
	expect(t, "GetAll of 2 present and 1 missing", m, before, metering.Counts{Reads: 3})

	before = m.Snapshot()
	docs, err := col.Where("kind", "==", "x").Documents(ctx).GetAll()
	if err != nil || len(docs) != 3 {
		t.Fatalf("query: %d docs, %v", len(docs), err)
	}
	expect(t, "query returning 3", m, before, metering.Counts{Reads: 3})

	before = m.Snapshot()
	docs, err = col.Where("kind", "==", "y").Documents(ctx).GetAll()
	if err != nil || len(docs) != 0 {
		t.Fatalf("empty query: %d docs, %v", len(docs), err)
	}
	expect(t, "query returning nothing", m, before, metering.Counts{Reads: 1})

	before = m.Snapshot()
	res, err := col.NewAggregationQuery().WithCount("n").Get(ctx)
	if err != nil || res["n"] == nil {
		t.Fatalf("count: %v, %v", res, err)
	}
	expect(t, "count aggregation", m, before, metering.Counts{Reads: 1})
}

func TestWritesCountOnlyWhenCommitted(t *testing.T) {
	ctx := testCtx(t)
	fs, m := meteredFirestore(t)
	col := fs.Collection("w")

	before := m.Snapshot()
	if _, err := col.Doc("x").Create(ctx, map[string]any{"v": 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := col.Doc("x").Create(ctx, map[string]any{"v": 2}); err == nil {
		t.Fatal("second create of the same document succeeded")
	}
	if _, err := col.Doc("x").Delete(ctx); err != nil {
		t.Fatal(err)
	}
	expect(t, "create, failed create, delete", m, before, metering.Counts{Writes: 2})

	before = m.Snapshot()
	bw := fs.BulkWriter(ctx)
	var jobs []*firestore.BulkWriterJob
	for i := range 4 {
		j, err := bw.Set(col.Doc(fmt.Sprintf("b%d", i)), map[string]any{"i": i})
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	bw.End()
	for _, j := range jobs {
		if _, err := j.Results(); err != nil {
			t.Fatal(err)
		}
	}
	expect(t, "bulk writer of 4", m, before, metering.Counts{Writes: 4})
}

func TestPubSubPublishesCountMessages(t *testing.T) {
	emulatortest.PubSub(t)
	ctx := testCtx(t)
	m := metering.New()
	project := projectID(t)
	ps, err := pubsub.NewClient(ctx, project, m.PubSubOptions()...)
	if err != nil {
		t.Fatalf("pubsub client: %v", err)
	}
	defer ps.Close()
	topic := "projects/" + project + "/topics/metered"
	if _, err := ps.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil {
		t.Fatalf("create topic: %v", err)
	}
	expect(t, "topic creation", m, metering.Counts{}, metering.Counts{})

	pub := ps.Publisher(topic)
	defer pub.Stop()
	var results []*pubsub.PublishResult
	for i := range 3 {
		results = append(results, pub.Publish(ctx, &pubsub.Message{Data: fmt.Appendf(nil, "message %d", i)}))
	}
	for _, r := range results {
		if _, err := r.Get(ctx); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	expect(t, "3 messages published", m, metering.Counts{}, metering.Counts{Publishes: 3})
}

func TestCountsSub(t *testing.T) {
	got := metering.Counts{Reads: 10, Writes: 7, Publishes: 3}.Sub(metering.Counts{Reads: 4, Writes: 7, Publishes: 1})
	if want := (metering.Counts{Reads: 6, Publishes: 2}); got != want {
		t.Errorf("Sub = %+v, want %+v", got, want)
	}
}

// TestListenerCountsReportedDocuments: a listener reads the documents of its first snapshot,
// then one per document changed, and nothing while nothing changes.
func TestListenerCountsReportedDocuments(t *testing.T) {
	ctx := testCtx(t)
	fs, m := meteredFirestore(t)
	col := fs.Collection("watched")
	for _, id := range []string{"a", "b"} {
		if _, err := col.Doc(id).Set(ctx, map[string]any{"n": 1}); err != nil {
			t.Fatal(err)
		}
	}
	before := m.Snapshot()
	it := col.Snapshots(ctx)
	defer it.Stop()
	if _, err := it.Next(); err != nil {
		t.Fatal(err)
	}
	expect(t, "the first snapshot of two documents", m, before, metering.Counts{Reads: 2})
	before = m.Snapshot()
	if _, err := col.Doc("a").Set(ctx, map[string]any{"n": 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := it.Next(); err != nil {
		t.Fatal(err)
	}
	expect(t, "one document changed", m, before, metering.Counts{Reads: 1, Writes: 1})

	empty := fs.Collection("nothing").Snapshots(ctx)
	defer empty.Stop()
	before = m.Snapshot()
	if _, err := empty.Next(); err != nil {
		t.Fatal(err)
	}
	expect(t, "an empty first snapshot", m, before, metering.Counts{Reads: 1})
}

// TestBilledCountsDeletesAndPublishedBytes: deletes are counted apart (they are writes too),
// and each publish request is billed its messages' bytes, at least MinBilledBytes.
func TestBilledCountsDeletesAndPublishedBytes(t *testing.T) {
	ctx := testCtx(t)
	fs, m := meteredFirestore(t)
	doc := fs.Collection("things").Doc("gone")
	if _, err := doc.Set(ctx, map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if got := m.Billed(); got.Deletes != 1 || m.Snapshot().Writes != 2 {
		t.Errorf("a set and a delete: billed %+v, counts %+v; want 1 delete among 2 writes", got, m.Snapshot())
	}

	emulatortest.PubSub(t)
	project := projectID(t)
	ps, err := pubsub.NewClient(ctx, project, m.PubSubOptions()...)
	if err != nil {
		t.Fatalf("pubsub client: %v", err)
	}
	defer ps.Close()
	topic := "projects/" + project + "/topics/sized"
	if _, err := ps.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil {
		t.Fatalf("create topic: %v", err)
	}
	before := m.Billed()
	msgs := []*pubsubpb.PubsubMessage{
		{Data: make([]byte, 100), Attributes: map[string]string{"k": "vv"}, OrderingKey: "key1"}, // 107 bytes
		{Data: make([]byte, 1500)},
	}
	for _, msg := range msgs {
		if _, err := ps.TopicAdminClient.Publish(ctx, &pubsubpb.PublishRequest{Topic: topic, Messages: []*pubsubpb.PubsubMessage{msg}}); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	want := metering.Billing{PublishRequests: 2, PublishBytes: 107 + 1500, BilledPublishBytes: metering.MinBilledBytes + 1500}
	if got := m.Billed().Sub(before); got != want {
		t.Errorf("2 publishes of 107 and 1,500 bytes: billed %+v, want %+v", got, want)
	}
}
