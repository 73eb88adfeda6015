package store

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/internal/emulatortest"
	"github.com/smsdesk/smsdesk/shared/session"
)

// emulatorOwner is the credential the library sends the emulator, which bypasses its rules.
type emulatorOwner struct{}

func (emulatorOwner) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer owner"}, nil
}

func (emulatorOwner) RequireTransportSecurity() bool { return false }

// storeAnsweringCanceled is a store whose Firestore client gets Canceled for the next commit
// after it is applied, when cancelNext is set: what the emulator under contention can do.
func storeAnsweringCanceled(t *testing.T) (*Store, context.Context, *atomic.Bool) {
	t.Helper()
	var cancelNext atomic.Bool
	answerCanceled := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		if err == nil && method == "/google.firestore.v1.Firestore/Commit" && cancelNext.CompareAndSwap(true, false) {
			return status.Error(codes.Canceled, "call already cancelled") // applied all the same
		}
		return err
	}
	// Against the emulator the library hands its own connection over, so the interceptor
	// comes on a connection dialed as it dials (see metering.Meter.FirestoreOptions).
	emulatortest.Firestore(t)
	conn, err := grpc.NewClient(os.Getenv("FIRESTORE_EMULATOR_HOST"), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(emulatorOwner{}), grpc.WithChainUnaryInterceptor(answerCanceled))
	if err != nil {
		t.Fatal(err)
	}
	s, ctx := newTestStoreOn(t, fmt.Sprintf("store-canceled-%d", time.Now().UnixNano()), option.WithGRPCConn(conn))
	return s, ctx, &cancelNext
}

// TestAnAssignmentWhoseCommitCameBackCanceledStands: the emulator under contention can answer
// a commit it applied with Canceled. The assignment is then the chat's, once: the agent holds
// it once and the caller gets its record, to send the "assigned" message now rather than
// leave it to the relay minutes later.
func TestAnAssignmentWhoseCommitCameBackCanceledStands(t *testing.T) {
	s, ctx, cancelNext := storeAnsweringCanceled(t)
	now := time.Now().UTC()
	if _, err := s.agentRef("ana").Set(ctx, map[string]any{"id": "ana", "servesQueues": []string{"root"}, "capacity": 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAgentStatus(ctx, "ana", agent.Available, now, nil); err != nil {
		t.Fatal(err)
	}
	c := session.Session{ID: "c1", Business: "+18005550100", Phone: "+15550001111", State: session.Queued, QueueID: "root", QueuedAt: now}
	if _, err := s.sessionRef(c.ID).Set(ctx, c); err != nil {
		t.Fatal(err)
	}
	cancelNext.Store(true)
	rec, ok, err := s.Assign(ctx, c.ID, []agent.Agent{{ID: "ana"}}, now, func(c *session.Session, a agent.Agent) (session.Entry, followup.Followups, bool) {
		if !a.Free() || c.State != session.Queued {
			return session.Entry{}, followup.Followups{}, false
		}
		c.State, c.AgentID, c.AssignedAt = session.Assigned, a.ID, now
		return session.Entry{Author: session.FromSystem, Kind: "assigned", Body: "You're now chatting with Ana"}, followup.Followups{}, true
	})
	if err != nil || !ok || len(rec.Send) != 1 {
		t.Fatalf("assignment = %v, %v, record %+v; want it taken, with its message to send", ok, err, rec)
	}
	got, a := readBackCanceled(t, ctx, s, cancelNext, c.ID, "ana")
	if got.AgentID != "ana" || got.State != session.Assigned {
		t.Errorf("chat = %+v; want it assigned to ana", got)
	}
	if a.ActiveChats != 1 {
		t.Errorf("ana holds %d chats, want 1", a.ActiveChats)
	}
}

// TestAnOfferWhoseCommitCameBackCanceledStands: an offer to a manual-answer agent whose commit
// the emulator applied and answered Canceled is the chat's offer, once: the agent has one
// offer, and the caller gets its record, whose timer lapses the offer at its deadline rather
// than leave it to the sweep minutes later.
func TestAnOfferWhoseCommitCameBackCanceledStands(t *testing.T) {
	s, ctx, cancelNext := storeAnsweringCanceled(t)
	now := time.Now().UTC()
	if _, err := s.agentRef("ana").Set(ctx, map[string]any{"id": "ana", "servesQueues": []string{"root"}, "capacity": 3, "answer": "manual"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAgentStatus(ctx, "ana", agent.Available, now, nil); err != nil {
		t.Fatal(err)
	}
	c := session.Session{ID: "c1", Business: "+18005550100", Phone: "+15550001111", State: session.Queued, QueueID: "root", QueuedAt: now}
	if _, err := s.sessionRef(c.ID).Set(ctx, c); err != nil {
		t.Fatal(err)
	}
	deadline := now.Add(30 * time.Second)
	lapse := session.Timer{SessionID: c.ID, Kind: session.TimerOffer, Due: deadline}
	cancelNext.Store(true)
	rec, ok, err := s.Assign(ctx, c.ID, []agent.Agent{{ID: "ana"}}, now, func(c *session.Session, a agent.Agent) (session.Entry, followup.Followups, bool) {
		if !a.Free() || c.State != session.Queued || c.Offer != nil {
			return session.Entry{}, followup.Followups{}, false
		}
		c.Offer, c.Generation = &session.Offer{AgentID: a.ID, At: now, Deadline: deadline}, c.Generation+1
		return session.Entry{}, followup.Followups{Timers: []session.Timer{lapse}}, true
	})
	if err != nil || !ok || len(rec.Timers) != 1 {
		t.Fatalf("offer = %v, %v, record %+v; want it made, with its timer", ok, err, rec)
	}
	got, a := readBackCanceled(t, ctx, s, cancelNext, c.ID, "ana")
	if got.Offer == nil || got.Offer.AgentID != "ana" {
		t.Errorf("chat = %+v; want it offered to ana", got)
	}
	if a.Offers != 1 {
		t.Errorf("ana holds %d offers, want 1", a.Offers)
	}
}

// TestAnAcceptedOfferWhoseCommitCameBackCanceledStands: an agent's acceptance whose commit
// the emulator applied and answered Canceled is the agent's chat, once, and the agent is told
// so (no "not offered" for the offer they just took), with the consumer's "assigned" message
// to send now.
func TestAnAcceptedOfferWhoseCommitCameBackCanceledStands(t *testing.T) {
	s, ctx, cancelNext := storeAnsweringCanceled(t)
	now := time.Now().UTC()
	if _, err := s.agentRef("ana").Set(ctx, map[string]any{"id": "ana", "servesQueues": []string{"root"}, "capacity": 3,
		"answer": "manual", "status": agent.Available, "offers": 1}); err != nil {
		t.Fatal(err)
	}
	offer := &session.Offer{AgentID: "ana", At: now, Deadline: now.Add(30 * time.Second)}
	c := session.Session{ID: "c1", Business: "+18005550100", Phone: "+15550001111", State: session.Queued, QueueID: "root",
		QueuedAt: now, Offer: offer, Generation: 1, Deadlines: map[string]time.Time{session.TimerOffer: offer.Deadline}}
	if _, err := s.sessionRef(c.ID).Set(ctx, c); err != nil {
		t.Fatal(err)
	}
	accepted := now.Add(time.Second)
	cancelNext.Store(true)
	_, rec, err := s.AnswerOffer(ctx, c.ID, "ana", accepted, func(c *session.Session, a agent.Agent) (OfferAnswer, error) {
		if err := c.AcceptOffer(a.ID, accepted); err != nil {
			return OfferAnswer{}, err
		}
		c.Generation++
		c.Deadlines = map[string]time.Time{}
		return OfferAnswer{Entry: &session.Entry{Author: session.FromSystem, Kind: "assigned", Body: "You're now chatting with Ana"}}, nil
	})
	if err != nil || len(rec.Send) != 1 {
		t.Fatalf("acceptance = %v, record %+v; want it taken, with its message to send", err, rec)
	}
	got, a := readBackCanceled(t, ctx, s, cancelNext, c.ID, "ana")
	if got.AgentID != "ana" || got.State != session.Assigned || got.Offer != nil {
		t.Errorf("chat = %+v; want it ana's, the offer gone", got)
	}
	if a.ActiveChats != 1 || a.Offers != 0 {
		t.Errorf("ana holds %d chats and %d offers, want 1 and 0", a.ActiveChats, a.Offers)
	}
}

// TestAClaimWhoseWriteCameBackCanceledStands: a sender's claim of a message whose write the
// emulator applied and answered Canceled is the sender's: it goes on to send now, rather than
// find the message claimed, take the claim for another attempt's and hold the message until
// that claim goes stale. And a delivery change with its record in the outbox (one
// transaction) stands the same way.
func TestAClaimWhoseWriteCameBackCanceledStands(t *testing.T) {
	s, ctx, cancelNext := storeAnsweringCanceled(t)
	path := "sessions/c1/transcript/m1"
	if _, err := s.fs.Doc(path).Set(ctx, session.Entry{Seq: 1, Author: session.FromAgent, Body: "Hi", Status: session.StatusPending,
		Business: "+18005550100", Phone: "+15550001111"}); err != nil {
		t.Fatal(err)
	}
	claimedAt := time.Now().UTC().Truncate(time.Microsecond)
	cancelNext.Store(true)
	e, _, err := s.UpdateStatus(ctx, path, func(e *session.Entry, _ *followup.Followups) bool {
		if e.Status != session.StatusPending {
			return false // claimed already: not this attempt's to send
		}
		e.Status, e.ClaimedAt = session.StatusDispatching, claimedAt
		return true
	})
	if err != nil || e.Status != session.StatusDispatching || e.Version.IsZero() {
		t.Fatalf("claim = %+v, %v; want it this attempt's, with its version", e, err)
	}
	if cancelNext.Load() {
		t.Fatal("no write was answered Canceled: the test did not test anything")
	}

	cancelNext.Store(true)
	e, rec, err := s.UpdateStatus(ctx, path, func(e *session.Entry, then *followup.Followups) bool {
		if e.Status != session.StatusDispatching || !e.ClaimedAt.Equal(claimedAt) {
			return false
		}
		e.Status, e.MessageSID = "queued", "SM00000000000000000000000000000001"
		then.Send = append(then.Send, "sessions/c1/transcript/m2") // the next message, its turn come
		return true
	})
	if err != nil || e.Status != "queued" || !rec.Stored {
		t.Fatalf("acceptance = %+v, %v, record %+v; want it taken, its record stored", e, err, rec)
	}
	if cancelNext.Load() {
		t.Fatal("no commit was answered Canceled: the test did not test anything")
	}
}

// readBackCanceled fails the test unless a commit was answered Canceled, then reads the chat
// and the agent as they stand.
func readBackCanceled(t *testing.T, ctx context.Context, s *Store, cancelNext *atomic.Bool, chatID, agentID string) (session.Session, agent.Agent) {
	t.Helper()
	if cancelNext.Load() {
		t.Fatal("no commit was answered Canceled: the test did not test anything")
	}
	c, err := s.Session(ctx, chatID)
	if err != nil {
		t.Fatalf("read chat %s: %v", chatID, err)
	}
	a, err := s.Agent(ctx, agentID)
	if err != nil {
		t.Fatalf("read agent %s: %v", agentID, err)
	}
	return c, a
}
