package reports

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TallyStore adds an ended chat's counts to the rollups once, and gives the configuration
// its queues' thresholds come from.
type TallyStore interface {
	Tally(ctx context.Context, chatID string, count func(session.Session) (Counts, error)) (bool, error)
	// TallyText adds the counts of the stand-alone text at path (count's answer over the
	// text as stored) once, however often it is asked.
	TallyText(ctx context.Context, path string, count func(session.Entry) (Counts, error)) (bool, error)
	Line(ctx context.Context, number string) (config.Line, error)
}

// Tallier carries out the Tally follow-up of an ended chat (followup.Tallier).
type Tallier struct {
	Store TallyStore
	Log   *slog.Logger
}

// Tally adds ended chat chatID's figures to the rollups, once however often it is asked.
func (t *Tallier) Tally(ctx context.Context, chatID string) error {
	added, err := t.Store.Tally(ctx, chatID, func(s session.Session) (Counts, error) {
		line, err := t.Store.Line(ctx, s.Business)
		if err != nil {
			return nil, fmt.Errorf("thresholds of chat %s: %w", s.ID, err)
		}
		return Tally(s, func(id string) Thresholds {
			q, _ := line.Queue(id)
			return QueueThresholds(q)
		}), nil
	})
	if err != nil {
		return err
	}
	t.log().Info("chat tallied", "session", chatID, "added", added)
	return nil
}

// TallyText adds the one-way or bulk text at path, which the carrier accepted, to its line's
// rollup, once however often it is asked.
func (t *Tallier) TallyText(ctx context.Context, path string) error {
	added, err := t.Store.TallyText(ctx, path, func(e session.Entry) (Counts, error) {
		line, err := t.Store.Line(ctx, e.Business)
		if err != nil {
			return nil, fmt.Errorf("line of text %s: %w", path, err)
		}
		return Text(line.Number.LineOfBusiness, e), nil
	})
	if err != nil {
		return err
	}
	t.log().Info("text tallied", "path", path, "added", added)
	return nil
}

func (t *Tallier) log() *slog.Logger {
	if t.Log == nil {
		return slog.Default()
	}
	return t.Log
}
