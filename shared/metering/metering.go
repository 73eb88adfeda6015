// Package metering counts the billable operations smsdesk's clients perform: Firestore document
// reads and writes and Pub/Sub publishes. A Meter's gRPC interceptors look at the requests and
// responses going through the clients it is installed on, so benchmarks can tell what one
// consumer text costs.
//
// Counting follows Firestore's billing: every document a get returns is a read, and so is a
// get of a missing document; every document a query returns is a read, and a query returning
// nothing still costs one; an aggregation result costs one. A real-time listener reads each
// document it reports (added, changed, or gone from its results because it changed). A committed write (set, update,
// delete, create, transactional or not) is a write; writes of a failed commit are not counted.
// Billed adds what a bill needs besides: the deletes among the writes, and Pub/Sub's publish
// requests and bytes.
package metering

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync/atomic"

	"cloud.google.com/go/firestore/apiv1/firestorepb"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
)

// Counts are totals of metered operations.
type Counts struct {
	Reads     int64 `json:"reads"`     // Firestore document reads
	Writes    int64 `json:"writes"`    // Firestore document writes
	Publishes int64 `json:"publishes"` // Pub/Sub messages published
}

// Sub returns c minus o: the operations between two snapshots.
func (c Counts) Sub(o Counts) Counts {
	return Counts{Reads: c.Reads - o.Reads, Writes: c.Writes - o.Writes, Publishes: c.Publishes - o.Publishes}
}

// Meter counts operations; it is safe for concurrent use. The zero value is ready to use.
type Meter struct {
	reads, writes, publishes atomic.Int64
	// What Billed reports besides.
	deletes, publishRequests, publishBytes, billedPublishBytes atomic.Int64
	collections                                                byCollection
	followed                                                   followed
}

// Billing are the figures a bill needs besides Counts: Firestore prices deletes apart from
// other writes, and Pub/Sub bills throughput by the byte with a minimum per request.
type Billing struct {
	Deletes         int64 `json:"deletes"`         // Firestore writes that are deletes (also in Counts.Writes)
	PublishRequests int64 `json:"publishRequests"` // successful Publish calls (each carries 1 or more messages)
	// PublishBytes is the size of the messages published: data, attribute keys and values and
	// ordering key. BilledPublishBytes counts each request at least MinBilledBytes.
	PublishBytes       int64 `json:"publishBytes"`
	BilledPublishBytes int64 `json:"billedPublishBytes"`
}

// MinBilledBytes is the least Pub/Sub bills a publish, push or pull request.
const MinBilledBytes = 1000

// Sub returns b minus o.
func (b Billing) Sub(o Billing) Billing {
	return Billing{Deletes: b.Deletes - o.Deletes, PublishRequests: b.PublishRequests - o.PublishRequests,
		PublishBytes: b.PublishBytes - o.PublishBytes, BilledPublishBytes: b.BilledPublishBytes - o.BilledPublishBytes}
}

// Billed returns the billing figures so far.
func (m *Meter) Billed() Billing {
	return Billing{Deletes: m.deletes.Load(), PublishRequests: m.publishRequests.Load(),
		PublishBytes: m.publishBytes.Load(), BilledPublishBytes: m.billedPublishBytes.Load()}
}

// New returns a Meter at zero.
func New() *Meter { return &Meter{} }

// Snapshot returns the totals so far.
func (m *Meter) Snapshot() Counts {
	return Counts{Reads: m.reads.Load(), Writes: m.writes.Load(), Publishes: m.publishes.Load()}
}

// dialOptions are the interceptors as client options.
func (m *Meter) dialOptions() []option.ClientOption {
	return []option.ClientOption{
		option.WithGRPCDialOption(grpc.WithChainUnaryInterceptor(m.UnaryInterceptor)),
		option.WithGRPCDialOption(grpc.WithChainStreamInterceptor(m.StreamInterceptor)),
	}
}

// PubSubOptions are client options that meter a Pub/Sub client.
func (m *Meter) PubSubOptions() []option.ClientOption { return m.dialOptions() }

// FirestoreOptions are client options that meter a Firestore client.
//
// Against the emulator (FIRESTORE_EMULATOR_HOST) the Firestore library dials a connection of
// its own and hands it over with option.WithGRPCConn, which makes every dial option moot. So
// there these options carry a connection dialed the way the library dials the emulator, plus
// the interceptors; being given later, it replaces the library's. The client closes it, so
// each client needs options of its own call.
func (m *Meter) FirestoreOptions() []option.ClientOption {
	opts := m.dialOptions()
	addr := os.Getenv("FIRESTORE_EMULATOR_HOST")
	if addr == "" {
		return opts
	}
	conn, err := grpc.NewClient(emulatorTarget(addr),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(emulatorOwner{}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(math.MaxInt32), grpc.MaxCallSendMsgSize(math.MaxInt32)),
		grpc.WithChainUnaryInterceptor(m.UnaryInterceptor),
		grpc.WithChainStreamInterceptor(m.StreamInterceptor),
	)
	if err != nil {
		// Only a malformed address gets here; the client's own dial reports it too.
		slog.Error("metering: dial the Firestore emulator; Firestore goes unmetered", "addr", addr, "err", err)
		return opts
	}
	return append(opts, option.WithGRPCConn(conn))
}

// emulatorTarget turns FIRESTORE_EMULATOR_HOST into a gRPC target as the Firestore library does.
func emulatorTarget(addr string) string {
	if strings.Contains(addr, "://") && !strings.HasPrefix(addr, "http://") && !strings.HasPrefix(addr, "https://") {
		return addr
	}
	addr = strings.TrimPrefix(strings.TrimPrefix(addr, "http://"), "https://")
	return "passthrough:///" + addr
}

// emulatorOwner authenticates to the Firestore emulator as an administrator, bypassing
// security rules, like the library's own emulator connection.
type emulatorOwner struct{}

func (emulatorOwner) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer owner"}, nil
}

func (emulatorOwner) RequireTransportSecurity() bool { return false }

// UnaryInterceptor counts the writes of successful Firestore commits and batch writes and the
// messages of successful Pub/Sub publishes.
func (m *Meter) UnaryInterceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if err != nil {
		return err
	}
	switch r := req.(type) {
	case *firestorepb.CommitRequest:
		m.writes.Add(int64(len(r.GetWrites())))
		m.deletes.Add(deletes(r.GetWrites()))
		for _, w := range r.GetWrites() {
			m.collections.add(writeCollection(w), 0, 1)
		}
	case *firestorepb.BatchWriteRequest:
		n, d := batchWrites(r, reply, m)
		m.writes.Add(n)
		m.deletes.Add(d)
	case *pubsubpb.PublishRequest:
		m.publishes.Add(int64(len(r.GetMessages())))
		var size int64
		for _, msg := range r.GetMessages() {
			size += MessageBytes(msg)
		}
		m.publishRequests.Add(1)
		m.publishBytes.Add(size)
		m.billedPublishBytes.Add(max(size, MinBilledBytes))
	}
	return nil
}

// MessageBytes is the size of a Pub/Sub message as counted here: its data, its attributes'
// keys and values and its ordering key.
func MessageBytes(msg *pubsubpb.PubsubMessage) int64 {
	n := len(msg.GetData()) + len(msg.GetOrderingKey())
	for k, v := range msg.GetAttributes() {
		n += len(k) + len(v)
	}
	return int64(n)
}

func deletes(ws []*firestorepb.Write) int64 {
	var n int64
	for _, w := range ws {
		if w.GetDelete() != "" {
			n++
		}
	}
	return n
}

// batchWrites is the number of writes of a batch write that were applied (each has a status),
// and how many of those are deletes. Each applied write is also counted in m's breakdown.
func batchWrites(req *firestorepb.BatchWriteRequest, reply any, m *Meter) (n, deleted int64) {
	resp, ok := reply.(*firestorepb.BatchWriteResponse)
	all := !ok || len(resp.GetStatus()) != len(req.GetWrites())
	for i, w := range req.GetWrites() {
		if all || codes.Code(resp.GetStatus()[i].GetCode()) == codes.OK {
			m.collections.add(writeCollection(w), 0, 1)
			n++
			if w.GetDelete() != "" {
				deleted++
			}
		}
	}
	return n, deleted
}

// StreamInterceptor counts the documents Firestore gets and queries return.
func (m *Meter) StreamInterceptor(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, err
	}
	switch method {
	case "/google.firestore.v1.Firestore/BatchGetDocuments",
		"/google.firestore.v1.Firestore/RunQuery",
		"/google.firestore.v1.Firestore/RunAggregationQuery":
		return &readStream{ClientStream: s, m: m, query: !strings.HasSuffix(method, "/BatchGetDocuments")}, nil
	case "/google.firestore.v1.Firestore/Listen":
		return &listenStream{ClientStream: s, m: m}, nil
	}
	return s, nil
}

// listenStream counts the reads of a real-time listener as Firestore bills them: each
// document added to or changed in its results, and each that left them because it changed,
// is a read; a listener whose first results are empty costs one. The emulator answers a
// change with a reset and the whole result set again; documents it sends again unchanged
// (same update time) are not counted, as Firestore sends only the changed one.
type listenStream struct {
	grpc.ClientStream
	m       *Meter
	known   map[string]int64 // document name → update time (ns)
	current bool
}

func (s *listenStream) RecvMsg(msg any) error {
	if err := s.ClientStream.RecvMsg(msg); err != nil {
		return err
	}
	r, ok := msg.(*firestorepb.ListenResponse)
	if !ok {
		return nil
	}
	if s.known == nil {
		s.known = map[string]int64{}
	}
	switch {
	case r.GetDocumentChange() != nil:
		d := r.GetDocumentChange().GetDocument()
		at := d.GetUpdateTime().AsTime().UnixNano()
		if old, ok := s.known[d.GetName()]; !ok || old != at {
			s.known[d.GetName()] = at
			s.m.reads.Add(1)
			s.m.collections.add(collectionOf(d.GetName()), 1, 0)
			s.m.followed.hit(d.GetName())
		}
	case r.GetDocumentRemove() != nil:
		delete(s.known, r.GetDocumentRemove().GetDocument())
		s.m.reads.Add(1)
		s.m.collections.add(collectionOf(r.GetDocumentRemove().GetDocument()), 1, 0)
	case r.GetTargetChange().GetTargetChangeType() == firestorepb.TargetChange_CURRENT && !s.current:
		s.current = true
		if len(s.known) == 0 {
			s.m.reads.Add(1)
			s.m.collections.add("(listen)", 1, 0)
		}
	}
	return nil
}

// readStream counts documents as the client receives them. gRPC never calls RecvMsg of one
// stream from two goroutines at once, so its fields need no lock.
type readStream struct {
	grpc.ClientStream
	m     *Meter
	query bool // a query costs at least one read

	reads int64
	ended bool
	from  string // the collection the query reads, for the breakdown of an empty result
}

// SendMsg notes which collection a query reads.
func (s *readStream) SendMsg(msg any) error {
	switch r := msg.(type) {
	case *firestorepb.RunQueryRequest:
		s.from = queryCollection(r.GetParent(), r.GetStructuredQuery())
	case *firestorepb.RunAggregationQueryRequest:
		s.from = queryCollection(r.GetParent(), r.GetStructuredAggregationQuery().GetStructuredQuery())
	}
	return s.ClientStream.SendMsg(msg)
}

func (s *readStream) RecvMsg(msg any) error {
	err := s.ClientStream.RecvMsg(msg)
	if err != nil {
		if errors.Is(err, io.EOF) && s.query && s.reads == 0 && !s.ended {
			s.m.reads.Add(1) // an empty query result is billed as one read
			s.m.collections.add(s.from, 1, 0)
		}
		s.ended = true
		return err
	}
	var name string
	switch r := msg.(type) {
	case *firestorepb.BatchGetDocumentsResponse:
		name = r.GetFound().GetName()
		if name == "" {
			name = r.GetMissing()
		}
	case *firestorepb.RunQueryResponse:
		name = r.GetDocument().GetName()
	case *firestorepb.RunAggregationQueryResponse:
		if r.GetResult() != nil {
			name = "-"
		}
	}
	if name != "" {
		s.reads++
		s.m.reads.Add(1)
		c := collectionOf(name)
		if name == "-" {
			c = s.from
		}
		s.m.collections.add(c, 1, 0)
		s.m.followed.hit(name)
	}
	return nil
}
