package metering

import (
	"slices"
	"strings"
	"sync"

	"cloud.google.com/go/firestore/apiv1/firestorepb"
)

// CollectionCounts are the Firestore reads and writes of one collection.
type CollectionCounts struct {
	Collection string `json:"collection"`
	Reads      int64  `json:"reads"`
	Writes     int64  `json:"writes"`
}

// Breakdown is a copy of the per-collection counts, keyed by collection.
type Breakdown map[string]CollectionCounts

// Sub returns b minus o: each collection's operations between two snapshots. Collections with
// nothing between them are left out.
func (b Breakdown) Sub(o Breakdown) Breakdown {
	out := Breakdown{}
	for k, c := range b {
		d := CollectionCounts{Collection: k, Reads: c.Reads - o[k].Reads, Writes: c.Writes - o[k].Writes}
		if d.Reads != 0 || d.Writes != 0 {
			out[k] = d
		}
	}
	return out
}

// Sorted returns the collections with the most operations first, then by name.
func (b Breakdown) Sorted() []CollectionCounts {
	out := make([]CollectionCounts, 0, len(b))
	for _, c := range b {
		out = append(out, c)
	}
	slices.SortFunc(out, func(x, y CollectionCounts) int {
		if d := (y.Reads + y.Writes) - (x.Reads + x.Writes); d != 0 {
			if d > 0 {
				return 1
			}
			return -1
		}
		return strings.Compare(x.Collection, y.Collection)
	})
	return out
}

// byCollection counts reads and writes per collection path with the document ids left out
// ("sessions/transcript" for a chat's transcript lines). The totals stay in the atomics;
// this map is only the breakdown, so its lock is off the totals' path.
type byCollection struct {
	mu sync.Mutex
	m  map[string]CollectionCounts
}

func (b *byCollection) add(collection string, reads, writes int64) {
	if collection == "" {
		collection = "?"
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]CollectionCounts{}
	}
	c := b.m[collection]
	c.Collection = collection
	c.Reads += reads
	c.Writes += writes
	b.m[collection] = c
}

func (b *byCollection) snapshot() Breakdown {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(Breakdown, len(b.m))
	for k, c := range b.m {
		out[k] = c
	}
	return out
}

// ByCollection returns the reads and writes so far per collection: the collection ids of a
// document's path, without the document ids ("consumers", "sessions/transcript").
func (m *Meter) ByCollection() Breakdown { return m.collections.snapshot() }

// collectionOf is the collection path of a document name
// ("projects/p/databases/d/documents/sessions/s1/transcript/t1" → "sessions/transcript").
func collectionOf(name string) string {
	_, rest, ok := strings.Cut(name, "/documents/")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	ids := make([]string, 0, (len(parts)+1)/2)
	for i := 0; i < len(parts); i += 2 {
		ids = append(ids, parts[i])
	}
	return strings.Join(ids, "/")
}

// queryCollection is the collection a query reads, for a query that returned nothing: its
// parent's collection path and the collection id it selects from (a collection group query
// is named by its collection id alone).
func queryCollection(parent string, q *firestorepb.StructuredQuery) string {
	from := q.GetFrom()
	if len(from) == 0 {
		return ""
	}
	id := from[0].GetCollectionId()
	if from[0].GetAllDescendants() {
		return id
	}
	if p := collectionOf(parent); p != "" {
		return p + "/" + id
	}
	return id
}

// writeCollection is the collection of the document one write changes.
func writeCollection(w *firestorepb.Write) string {
	switch {
	case w.GetUpdate() != nil:
		return collectionOf(w.GetUpdate().GetName())
	case w.GetDelete() != "":
		return collectionOf(w.GetDelete())
	case w.GetTransform() != nil:
		return collectionOf(w.GetTransform().GetDocument())
	}
	return ""
}

// followed counts the reads of chosen documents, for tests that must tell one document's
// reads from those of everything else running.
type followed struct {
	mu    sync.Mutex
	reads map[string]int64 // relative path → reads; only followed paths are keys
}

func (f *followed) hit(name string) {
	_, rel, ok := strings.Cut(name, "/documents/")
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n, ok := f.reads[rel]; ok {
		f.reads[rel] = n + 1
	}
}

// Follow counts from now on the reads of the documents at paths, relative to the database
// ("numbers/+18005550100"); DocumentReads tells them.
func (m *Meter) Follow(paths ...string) {
	m.followed.mu.Lock()
	defer m.followed.mu.Unlock()
	if m.followed.reads == nil {
		m.followed.reads = map[string]int64{}
	}
	for _, p := range paths {
		if _, ok := m.followed.reads[p]; !ok {
			m.followed.reads[p] = 0
		}
	}
}

// DocumentReads is how many times the followed document at path was read (gets, queries
// and listeners returning it).
func (m *Meter) DocumentReads(path string) int64 {
	m.followed.mu.Lock()
	defer m.followed.mu.Unlock()
	return m.followed.reads[path]
}
