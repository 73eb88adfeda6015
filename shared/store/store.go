// Package store keeps smsdesk's state in Firestore: configuration, consumers, chats and their
// transcripts, agents. Every state change is a transaction or a precondition write, because
// every caller may run twice (at-least-once delivery, retried webhooks).
package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
	"golang.org/x/sync/singleflight"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/phone"
)

// Collection names.
const (
	colNumbers   = "numbers"
	colQueues    = "queues"
	colAgents    = "agents"
	colConsumers = "consumers"
	colSessions  = "sessions"
	colTeams     = "teams"
	colSettings  = "settings"
	docSettings  = "global"
	subReceipts  = "receipts"
	subMessages  = "messages"
	subEntries   = "transcript"
)

// Store is the Firestore adapter. Its zero value is not usable; use New.
type Store struct {
	fs *firestore.Client

	// lines caches each number's configuration briefly: every inbound text needs it and it
	// changes rarely, so a few seconds of staleness saves reads on the hot path.
	mu    sync.Mutex
	lines map[string]cached[config.Line]
	known map[string]cached[bool] // whether a number is the business's
	ttl   time.Duration
	// loads makes the texts that find a cache entry missing or expired at once wait for one
	// read instead of each reading it: a burst of texts would otherwise read the same
	// configuration as many times as it has texts.
	loads singleflight.Group
	// blocked caches the blocked numbers (blocked.go).
	blocked blockedCache
	// settings caches the deployment-wide settings as lines are.
	settings cachedSettings
	// templates caches outbound templates as lines are (templates.go).
	templates map[string]cached[config.Template]
	// gen counts the changes made through this store: a load that began before one does not
	// cache what it read.
	gen uint64
}

type cachedSettings struct {
	settings config.Settings
	at       time.Time // zero: not cached
}

// New wraps a Firestore client.
func New(fs *firestore.Client) *Store {
	return &Store{fs: fs, lines: map[string]cached[config.Line]{}, templates: map[string]cached[config.Template]{}, known: map[string]cached[bool]{}, ttl: 10 * time.Second}
}

// Client returns the underlying Firestore client.
func (s *Store) Client() *firestore.Client { return s.fs }

// ErrNotFound reports a document that does not exist.
var ErrNotFound = errors.New("not found")

// checkID refuses an id from outside that cannot name a document (see ids.Check). Such an id
// names nothing, so the error is ErrNotFound as well as ids.ErrInvalid: callers answer it as
// they answer any unknown id, never as a failure of the database.
func checkID(kind, id string) error {
	if err := ids.Check(kind, id); err != nil {
		return fmt.Errorf("%w (%w)", err, ErrNotFound)
	}
	return nil
}

func isNotFound(err error) bool { return status.Code(err) == codes.NotFound }

// IsAlreadyExists reports a Create on a document that exists.
func IsAlreadyExists(err error) bool { return status.Code(err) == codes.AlreadyExists }

// Line returns the configuration of a business number with its line of business's queues.
func (s *Store) Line(ctx context.Context, number string) (config.Line, error) {
	if !phone.ValidBusinessNumber(number) {
		return config.Line{}, fmt.Errorf("business number %q: %w", number, ErrNotFound)
	}
	return fromCache(s, func() map[string]cached[config.Line] { return s.lines }, number, "line "+number,
		func() (config.Line, error) { return s.readLine(ctx, number) })
}

// readLine reads a number's line.
func (s *Store) readLine(ctx context.Context, number string) (config.Line, error) {
	snap, err := s.fs.Collection(colNumbers).Doc(number).Get(ctx)
	if isNotFound(err) {
		return config.Line{}, fmt.Errorf("business number %s: %w", number, ErrNotFound)
	}
	if err != nil {
		return config.Line{}, fmt.Errorf("read number %s: %w", number, err)
	}
	var n config.Number
	if err := snap.DataTo(&n); err != nil {
		return config.Line{}, fmt.Errorf("decode number %s: %w", number, err)
	}
	docs, err := s.fs.Collection(colQueues).Where("lineOfBusiness", "==", n.LineOfBusiness).Documents(ctx).GetAll()
	if err != nil {
		return config.Line{}, fmt.Errorf("read queues of %s: %w", n.LineOfBusiness, err)
	}
	queues := make([]config.Queue, 0, len(docs))
	for _, d := range docs {
		var q config.Queue
		if err := d.DataTo(&q); err != nil {
			return config.Line{}, fmt.Errorf("decode queue %s: %w", d.Ref.ID, err)
		}
		queues = append(queues, q)
	}
	// The settings are read with the line, not from their own cache: a number loaded with its
	// settings (its CRM, say) finds them in the line it is first read with.
	settings, err := s.Settings(ctx)
	if err != nil {
		return config.Line{}, err
	}
	line, err := config.NewLine(n, queues).WithSettings(settings)
	if err != nil {
		return config.Line{}, fmt.Errorf("line %s: %w", number, err)
	}
	return line, nil
}

// CurrentSettings is Settings cached as lines are (and dropped with them on a change made
// through this store), for what needs the settings without a number's line. The admin API
// and a line's load read Settings itself, uncached.
func (s *Store) CurrentSettings(ctx context.Context) (config.Settings, error) {
	s.mu.Lock()
	c, gen := s.settings, s.gen
	s.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < s.ttl {
		return c.settings, nil
	}
	v, err, _ := s.loads.Do("settings", func() (any, error) {
		st, err := s.Settings(ctx)
		if err != nil {
			return st, err
		}
		s.mu.Lock()
		if s.gen == gen {
			s.settings = cachedSettings{settings: st, at: time.Now()}
		}
		s.mu.Unlock()
		return st, nil
	})
	if err != nil {
		return config.Settings{}, err
	}
	return v.(config.Settings), nil
}
