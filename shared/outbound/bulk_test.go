package outbound

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/smsdesk/smsdesk/shared/compliance"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// slowNotifications stores notifications in memory, each taking as long as a round trip to a
// busy Firestore: until recipientsAtOnce are being stored together, or a second has passed.
type slowNotifications struct {
	lineStore
	mu       sync.Mutex
	stored   map[string]bool
	inFlight int
	most     int
	met      bool
	together chan struct{} // closed once recipientsAtOnce are stored together
}

func (s *slowNotifications) ConsumerRecord(_ context.Context, business, phone string) (session.Consumer, error) {
	return session.Consumer{Business: business, Phone: phone}, nil // never texted before
}

func (s *slowNotifications) CreateNotification(_ context.Context, id string, e session.Entry, decide func(*session.Consumer) error, then func(string) followup.Followups) (followup.Record, error) {
	s.mu.Lock()
	s.inFlight++
	s.most = max(s.most, s.inFlight)
	if s.inFlight == recipientsAtOnce && s.most == recipientsAtOnce && !s.met {
		s.met = true
		close(s.together)
	}
	s.mu.Unlock()
	select {
	case <-s.together:
	case <-time.After(time.Second):
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
	if s.stored[id] {
		return followup.Record{}, status.Errorf(codes.AlreadyExists, "notification %s exists", id)
	}
	var c session.Consumer
	if err := decide(&c); err != nil {
		return followup.Record{}, err
	}
	s.stored[id] = true
	return followup.Record{ID: "notify-" + id, Followups: then("consumers/c/messages/" + id)}, nil
}

// noon is within every consumer's allowed hours in UTC.
func noon() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }

type noFollowups struct{}

func (noFollowups) Settle(context.Context, followup.Record) {}

// safeResults is memResults for concurrent callers.
type safeResults struct {
	mu sync.Mutex
	memResults
}

func (m *safeResults) UpdateBulkResult(ctx context.Context, job string, index int, change func(*store.BulkResult) bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.memResults.UpdateBulkResult(ctx, job, index, change)
}

func (m *safeResults) FirstBulkResult(ctx context.Context, job string, index int, change func(*store.BulkResult) bool) error {
	return m.UpdateBulkResult(ctx, job, index, change)
}

// TestABulkBatchSendsToSeveralRecipientsAtOnce: a batch does not wait for one recipient's
// text to be stored before the next one's, so a job keeps ahead of its number's rate; each
// recipient is still sent one text, once, however often the batch comes.
func TestABulkBatchSendsToSeveralRecipientsAtOnce(t *testing.T) {
	line := config.NewLine(config.Number{Number: "+18005550100", Brand: "Shop", DefaultLanguage: "en", EntryQueue: "root", TimeZone: "UTC"}, []config.Queue{{ID: "root"}})
	line.Quiet = compliance.DefaultQuietHours
	texts := &slowNotifications{
		lineStore: lineStore{line: line, tmpl: config.Template{ID: "ready", Language: "en", Text: "{brand}: order {order} is ready"}},
		stored:    map[string]bool{}, together: make(chan struct{}),
	}
	results := &safeResults{memResults: memResults{results: map[int]store.BulkResult{}}}
	b := &Bulk{Texts: &Service{Store: texts, Followups: noFollowups{}, Now: noon}, Store: results}
	batch := BulkBatch{JobID: "B0123456789abcdef01234567", From: "+18005550100", Template: "ready", ConsentSource: "signup form", Start: 100}
	for i := range 3 * recipientsAtOnce {
		batch.Recipients = append(batch.Recipients, Recipient{To: fmt.Sprintf("+1555123%04d", i), Variables: map[string]string{"order": fmt.Sprint(i)}})
	}
	for range 2 { // the batch, and its redelivery
		if err := b.Process(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	if texts.most != recipientsAtOnce {
		t.Errorf("at most %d recipients were sent to at once, want %d", texts.most, recipientsAtOnce)
	}
	if len(texts.stored) != len(batch.Recipients) {
		t.Errorf("%d texts stored for %d recipients", len(texts.stored), len(batch.Recipients))
	}
	for i, rc := range batch.Recipients {
		if r := results.results[batch.Start+i]; r.Status != ResultAccepted || r.To != rc.To {
			t.Errorf("recipient %d: result %+v, want accepted for %s", batch.Start+i, r, rc.To)
		}
	}
}
