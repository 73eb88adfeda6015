package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Notebook keeps private notes on chats.
type Notebook interface {
	AddNote(ctx context.Context, sessionID string, n store.Note) (store.Note, error)
	Notes(ctx context.Context, sessionID string) ([]store.Note, error)
}

// MaxNote is the longest private note, in characters.
const MaxNote = 2000

// Notes lists the private notes of a chat the viewer may read (CanRead). Notes are between
// agents and supervisors: the consumer never gets them and the CRM transcript leaves them out.
func (d *Desk) Notes(ctx context.Context, viewer routing.Agent, sessionID string) ([]store.Note, error) {
	if err := d.readable(ctx, viewer, sessionID); err != nil {
		return nil, err
	}
	return d.Notebook.Notes(ctx, sessionID)
}

// AddNote adds the viewer's private note to a chat they may read, also after it ended. A note
// changes nothing of the chat itself (no transcript line, no timer, no text), so it is stored
// on its own.
func (d *Desk) AddNote(ctx context.Context, viewer routing.Agent, sessionID, body string) (store.Note, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return store.Note{}, fmt.Errorf("%w: the note is empty", ErrInvalid)
	}
	if n := len([]rune(body)); n > MaxNote {
		return store.Note{}, fmt.Errorf("%w: the note has %d characters; the limit is %d", ErrInvalid, n, MaxNote)
	}
	if err := d.readable(ctx, viewer, sessionID); err != nil {
		return store.Note{}, err
	}
	n, err := d.Notebook.AddNote(ctx, sessionID, store.Note{AgentID: viewer.ID, Body: body, At: time.Now()})
	if err != nil {
		return n, err
	}
	d.Log.Info("note added", "session", sessionID, "agent", viewer.ID)
	return n, nil
}

// readable checks that the viewer may read the chat; an unknown chat and one they may not
// read answer alike.
func (d *Desk) readable(ctx context.Context, viewer routing.Agent, sessionID string) error {
	s, err := d.Store.Session(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !CanRead(viewer, s)) {
		return fmt.Errorf("chat %s: %w", ids.Short(sessionID), ErrNotYourChat)
	}
	return err
}
