package followup

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/session"
)

// world records what the executor did, in order, and fails what it is told to.
type world struct {
	mu      sync.Mutex
	did     []string
	fail    map[string]error
	block   bool
	pending map[string]Record
	sups    map[string][]string
	notices map[string]Notice // by agent/id
}

func newWorld() *world {
	return &world{fail: map[string]error{}, pending: map[string]Record{}, sups: map[string][]string{}, notices: map[string]Notice{}}
}

func (w *world) do(what string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.did = append(w.did, what)
	return w.fail[strings.Fields(what)[0]]
}

func (w *world) Send(ctx context.Context, paths ...string) error {
	if w.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return w.do("send " + strings.Join(paths, ","))
}
func (w *world) Announce(_ context.Context, e chatevents.Event) error { return w.do("event " + e.Type) }
func (w *world) Schedule(_ context.Context, ts ...session.Timer) error {
	kinds := make([]string, len(ts))
	for i, t := range ts {
		kinds[i] = t.Kind
	}
	return w.do("timers " + strings.Join(kinds, ","))
}
func (w *world) AssignChat(_ context.Context, s session.Session) error {
	return w.do("assign " + s.ID + " " + s.QueueID + " " + string(s.State))
}
func (w *world) FillAgent(_ context.Context, id string) error { return w.do("fill " + id) }
func (w *world) SupervisorIDs(_ context.Context, q string) ([]string, error) {
	return w.sups[q], nil
}
func (w *world) AddNotice(_ context.Context, agent, id string, n Notice) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.notices[agent+"/"+id] = n // the same id twice is one notice
	w.did = append(w.did, "notice "+agent+" "+n.Type)
	return nil
}
func (w *world) Done(_ context.Context, r Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.pending, r.ID)
	w.did = append(w.did, "done "+r.ID)
	return nil
}
func (w *world) Keep(_ context.Context, r Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	r.Riding = false
	w.pending[r.ID] = r
	w.did = append(w.did, "keep "+r.ID)
	return nil
}
func (w *world) PendingFollowups(_ context.Context, before time.Time, limit int) ([]Record, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Record
	for _, r := range w.pending {
		if r.At.Before(before) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Record) int { return a.At.Compare(b.At) })
	return out, nil
}

func (w *world) executor() *Executor {
	return &Executor{Sender: w, Events: w, Timers: w, Notices: w, Router: w, Outbox: w, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func (w *world) store(r Record) Record {
	r.Stored = r.Durable()
	if r.Stored {
		w.pending[r.ID] = r
	}
	return r
}

func everything(id string, at time.Time) Record {
	return Record{ID: id, SessionID: "S1", At: at, Followups: Followups{
		Send:    []string{"sessions/S1/transcript/000002", "sessions/S1/transcript/000003"},
		Events:  []chatevents.Event{{Type: chatevents.Ended, SessionID: "S1"}},
		Timers:  []session.Timer{{SessionID: "S1", Kind: session.TimerExpire, Generation: 2}},
		Notices: []Notice{{To: "ana", SupervisorsOf: "billing", Type: "reply_due", SessionID: "S1"}},
		Assign:  []Queued{{SessionID: "S2", QueueID: "billing", Language: "en"}},
		Fill:    []string{"ana"},
	}}
}

func TestRunCarriesOutEveryFollowupInOrderThenMarksTheRecordDone(t *testing.T) {
	w := newWorld()
	w.sups["billing"] = []string{"iris", "ana"}
	r := w.store(everything("in-SM1", time.Now()))
	if err := w.executor().Run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"event ended", "timers expire", "notice ana reply_due", "notice iris reply_due",
		"send sessions/S1/transcript/000002,sessions/S1/transcript/000003",
		"assign S2 billing queued", "fill ana", "done in-SM1",
	}
	if !slices.Equal(w.did, want) {
		t.Errorf("did\n %q\nwant\n %q", w.did, want)
	}
	if len(w.pending) != 0 {
		t.Errorf("outbox still holds %v", w.pending)
	}
}

func TestAFailedFollowupLeavesTheRecordForTheRelayWhichCarriesItOut(t *testing.T) {
	w := newWorld()
	w.fail["send"] = errors.New("publish to sms-outbound: context deadline exceeded")
	x := w.executor()
	t0 := time.Now().Add(-time.Hour)
	r := w.store(everything("agent-S1-2", t0))
	err := x.Run(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "publish to sms-outbound") {
		t.Fatalf("Run = %v, want the publish failure", err)
	}
	if !slices.Contains(w.did, "fill ana") {
		t.Errorf("a failed send stopped the other follow-ups: %q", w.did)
	}
	if _, ok := w.pending["agent-S1-2"]; !ok {
		t.Fatal("a record whose send failed was marked done")
	}

	// Pub/Sub is back: the relay carries the record out once it is older than the grace.
	delete(w.fail, "send")
	w.did = nil
	relay := &Relay{Outbox: w, Executor: x}
	n, err := relay.Sweep(context.Background(), t0.Add(30*time.Second), time.Minute)
	if err != nil || n != 0 {
		t.Fatalf("sweep within the grace = %d, %v; want nothing carried out", n, err)
	}
	n, err = relay.Sweep(context.Background(), time.Now(), time.Minute)
	if err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v; want 1", n, err)
	}
	if !slices.Contains(w.did, "send sessions/S1/transcript/000002,sessions/S1/transcript/000003") || len(w.pending) != 0 {
		t.Errorf("relay did %q, outbox %v", w.did, w.pending)
	}
}

func TestInterruptedFollowupsStayForTheRelay(t *testing.T) {
	w := newWorld()
	x := w.executor()
	x.Interrupt = func(r Record) bool { return r.SessionID == "S1" }
	r := w.store(everything("in-SM2", time.Now().Add(-time.Hour)))
	if err := x.AfterCommit(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if len(w.did) != 0 {
		t.Fatalf("an interrupted record was carried out: %q", w.did)
	}
	if n, err := (&Relay{Outbox: w, Executor: x}).Sweep(context.Background(), time.Now(), time.Minute); err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v", n, err)
	}
}

func TestSettleAnswersWithinTheBudgetWhenPublishingStalls(t *testing.T) {
	w := newWorld()
	w.block = true
	x := w.executor()
	x.Budget = 50 * time.Millisecond
	r := w.store(Record{ID: "agent-S1-4", SessionID: "S1", At: time.Now(), Followups: Followups{Send: []string{"sessions/S1/transcript/000004"}}})
	start := time.Now()
	x.Settle(context.Background(), r)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Settle took %s with a 50ms budget", d)
	}
	if _, ok := w.pending[r.ID]; !ok {
		t.Error("a stalled send was marked done")
	}
}

func TestARecordRidingOnItsLastMessageIsMarkedDoneByTheSendersClaim(t *testing.T) {
	w := newWorld()
	r := w.store(everything("agent-S1-2", time.Now().Add(-time.Hour)))
	r.Riding = true
	w.pending[r.ID] = r
	x := w.executor()
	if err := x.Run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(w.did, "done agent-S1-2") {
		t.Error("a record riding on its message was marked done with a write of its own")
	}
	// The sender never claimed the message: the relay carries the record out and marks it.
	w.did = nil
	if n, err := (&Relay{Outbox: w, Executor: x}).Sweep(context.Background(), time.Now(), time.Minute); err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v", n, err)
	}
	if !slices.Contains(w.did, "done agent-S1-2") {
		t.Errorf("relay did %q", w.did)
	}
}

func TestARidingRecordWithAFailedFollowupIsKeptBeforeItsMessageIsSent(t *testing.T) {
	w := newWorld()
	w.fail["event"] = errors.New("publish to sms-chat-events: unavailable")
	r := w.store(everything("agent-S1-3", time.Now()))
	r.Riding = true
	if err := w.executor().Run(context.Background(), r); err == nil {
		t.Fatal("Run = nil with a failed event")
	}
	keep, send := slices.Index(w.did, "keep agent-S1-3"), slices.IndexFunc(w.did, func(s string) bool { return strings.HasPrefix(s, "send ") })
	if keep < 0 || send < keep {
		t.Errorf("did %q; want the record kept before its messages are sent", w.did)
	}
	if p, ok := w.pending["agent-S1-3"]; !ok || p.Riding {
		t.Errorf("outbox = %+v", w.pending)
	}
}

func TestTimersOfAChatAloneNeedNoRecordButAScheduledSendDoes(t *testing.T) {
	chat := Followups{Timers: []session.Timer{{SessionID: "S1", Kind: session.TimerInactivityWarn}}}
	if chat.Durable() {
		t.Error("a chat's timers are on the chat already (the sweeper fires lost ones); no record needed")
	}
	held := Followups{Timers: []session.Timer{{SessionID: "consumers/x/messages/N1", Kind: session.TimerSend}}}
	if !held.Durable() {
		t.Error("a scheduled send has nothing else that remembers it")
	}
	w := newWorld()
	r := w.store(Record{ID: "timer-S1", Followups: chat})
	if err := w.executor().Run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(w.did, "done timer-S1") {
		t.Error("a record never stored was marked done")
	}
}

func TestRunningARecordTwiceAddsEachNoticeOnce(t *testing.T) {
	w := newWorld()
	r := w.store(Record{ID: "transfer-S1-5", At: time.Now(), Followups: Followups{Notices: []Notice{{To: "luis", Type: "transfer_received", SessionID: "S1"}}}})
	x := w.executor()
	for i := 0; i < 2; i++ {
		if err := x.Run(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if len(w.notices) != 1 {
		t.Errorf("notices = %v, want one", w.notices)
	}
}

// filler records the chats the relay lets free agents take.
type filler struct{ took map[string][]string }

func (f *filler) FillAgentWith(_ context.Context, agent string, take func(session.Session) bool) error {
	for _, s := range []session.Session{
		{ID: "old", QueuedAt: time.Now().Add(-time.Hour)},
		{ID: "S1", QueuedAt: time.Now().Add(-time.Hour)}, // its queueing record is still young
		{ID: "new", QueuedAt: time.Now()},
	} {
		if take(s) {
			f.took[agent] = append(f.took[agent], s.ID)
		}
	}
	return nil
}

type freeAgents []string

func (a freeAgents) FreeAgentIDs(context.Context) ([]string, error) { return a, nil }

func TestTheRelayGivesFreeAgentsOnlyChatsWithNothingPending(t *testing.T) {
	w := newWorld()
	w.store(Record{ID: "in-SM9", SessionID: "S1", At: time.Now(), Followups: Followups{Send: []string{"sessions/S1/transcript/000004"}}})
	f := &filler{took: map[string][]string{}}
	relay := &Relay{Outbox: w, Executor: w.executor(), Agents: freeAgents{"ana"}, Filler: f}
	if _, err := relay.Sweep(context.Background(), time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := f.took["ana"]; !slices.Equal(got, []string{"old"}) {
		t.Errorf("ana was offered %q; want only the chat that waited past the grace with nothing pending", got)
	}
}

// Tally and TallyText make the world a Tallier.
func (w *world) Tally(_ context.Context, id string) error { return w.do("tally " + id) }

func (w *world) TallyText(_ context.Context, path string) error { return w.do("tally-text " + path) }

// TestAnEndedChatsMessageGoesBeforeItsTally: a chat's end is tallied into the reports after
// its "ended" message is sent, so a tally held up by a busy rollup document never holds up
// the consumer's message; a failed tally leaves the record for the relay.
func TestAnEndedChatsMessageGoesBeforeItsTally(t *testing.T) {
	w := newWorld()
	w.fail["tally"] = errors.New("tally chat S1: context deadline exceeded")
	x := w.executor()
	x.Tallies = w
	r := w.store(Record{ID: "end-S1-9", SessionID: "S1", At: time.Now(), Followups: Followups{
		Send: []string{"sessions/S1/transcript/000009"}, Events: []chatevents.Event{{Type: chatevents.Ended, SessionID: "S1"}}, Tally: []string{"S1"}}})
	if err := x.Run(context.Background(), r); err == nil {
		t.Fatal("Run = nil with the tally failing")
	}
	want := []string{"event ended", "send sessions/S1/transcript/000009", "tally S1"}
	if !slices.Equal(w.did, want) {
		t.Errorf("did %q, want %q", w.did, want)
	}
	if _, ok := w.pending["end-S1-9"]; !ok {
		t.Error("the record whose tally failed was marked done")
	}
}
