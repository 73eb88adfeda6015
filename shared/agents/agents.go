// Package agents is what an agent does at their desk: set a status, see their chats with the
// transcript, reply and end chats. Each action is checked against the chats the agent holds.
package agents

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Store is what the desk reads and changes.
type Store interface {
	SetAgentStatus(ctx context.Context, id, status string, now time.Time) error
	Agent(ctx context.Context, id string) (routing.Agent, error)
	AgentChats(ctx context.Context, agentID string) ([]session.Session, error)
	Session(ctx context.Context, id string) (session.Session, error)
	// Sessions reads chats by id; ids that name no chat are left out.
	Sessions(ctx context.Context, ids []string) (map[string]session.Session, error)
	// UnattendedChats lists chats of the lines (every line when lines is nil) that ended
	// before before with no agent holding them, the most recent first.
	UnattendedChats(ctx context.Context, lines []string, before time.Time, limit int) ([]session.Session, error)
	Transcript(ctx context.Context, sessionID string) ([]session.Entry, error)
	Line(ctx context.Context, number string) (config.Line, error)
	AppendByAgent(ctx context.Context, sessionID, agentID string, now time.Time, entries []session.Entry, endReason string, plan func(*session.Session)) ([]string, error)
	ResolveOptOut(ctx context.Context, sessionID string, decide func(session.Consumer, session.Session) (session.Outcome, error)) (session.Outcome, []string, error)
}

// Outbox sends stored messages.
type Outbox interface {
	Send(ctx context.Context, paths ...string) error
}

// Scheduler schedules a chat's timers.
type Scheduler interface {
	Schedule(ctx context.Context, timers ...session.Timer) error
}

// Router assigns waiting chats.
type Router interface {
	AssignChat(ctx context.Context, s session.Session) error
	FillAgent(ctx context.Context, agentID string) error
}

// Desk serves agents.
type Desk struct {
	Store     Store
	Transfers Transfers
	// Contacts, when set, shows agents the chats' CRM contacts and takes their choices.
	Contacts Contacts
	Outbox   Outbox
	Router   Router
	Timers   Scheduler
	// Events, when set, hears of transfers and ends (the CRM records them).
	Events bus.Emitter
	Log    *slog.Logger
}

// Errors the API maps to answers.
var (
	ErrInvalid     = errors.New("invalid request")
	ErrNotYourChat = errors.New("no such chat among yours")
	// ErrChatEnded reports an action on the agent's own chat after it ended.
	ErrChatEnded = errors.New("the chat has ended")
)

// MaxBody is the longest text an agent may send: the carrier's limit.
const MaxBody = 1600

// Chat is a chat as an agent sees it.
type Chat struct {
	Session    session.Session
	Transcript []session.Entry
	// CRM is how the chat stands in the CRM: its contact, or the contacts to choose from.
	CRM store.CRMSync
}

// SetStatus changes the agent's status; becoming available takes waiting chats at once.
func (d *Desk) SetStatus(ctx context.Context, agentID, status string) (routing.Agent, error) {
	if !routing.ValidStatus(status) {
		return routing.Agent{}, fmt.Errorf("%w: status %s must be one of available, busy, away, offline", ErrInvalid, ids.Short(status))
	}
	if err := d.Store.SetAgentStatus(ctx, agentID, status, time.Now()); err != nil {
		return routing.Agent{}, err
	}
	d.Log.Info("agent status", "agent", agentID, "status", status)
	if status == routing.AgentAvailable {
		if err := d.Router.FillAgent(ctx, agentID); err != nil {
			d.Log.Error("assigning waiting chats failed", "agent", agentID, "err", err)
		}
	}
	return d.Store.Agent(ctx, agentID)
}

// Chats lists the agent's chats with their transcripts.
func (d *Desk) Chats(ctx context.Context, agentID string) ([]Chat, error) {
	sessions, err := d.Store.AgentChats(ctx, agentID)
	if err != nil {
		return nil, err
	}
	out := make([]Chat, 0, len(sessions))
	for _, s := range sessions {
		t, err := d.Store.Transcript(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, Chat{Session: s, Transcript: t})
	}
	return out, d.withContacts(ctx, out)
}

// Chat returns one chat the viewer may read (see CanRead), also after it ended.
func (d *Desk) Chat(ctx context.Context, viewer routing.Agent, sessionID string) (Chat, error) {
	s, err := d.Store.Session(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !CanRead(viewer, s)) {
		return Chat{}, fmt.Errorf("chat %s: %w", ids.Short(sessionID), ErrNotYourChat)
	}
	if err != nil {
		return Chat{}, err
	}
	t, err := d.Store.Transcript(ctx, sessionID)
	if err != nil {
		return Chat{}, err
	}
	out := []Chat{{Session: s, Transcript: t}}
	if err := d.withContacts(ctx, out); err != nil {
		return Chat{}, err
	}
	return out[0], nil
}

// Reply sends the agent's text to the consumer of one of their chats.
func (d *Desk) Reply(ctx context.Context, agentID, sessionID, body string) (session.Entry, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return session.Entry{}, fmt.Errorf("%w: body is empty", ErrInvalid)
	}
	if n := len([]rune(body)); n > MaxBody {
		return session.Entry{}, fmt.Errorf("%w: body has %d characters; the limit is %d", ErrInvalid, n, MaxBody)
	}
	es := []session.Entry{{Author: session.FromAgent, AgentID: agentID, Body: body, Status: session.StatusPending}}
	paths, err := d.append(ctx, agentID, sessionID, es, "")
	if err != nil {
		return session.Entry{}, err
	}
	return es[0], d.Outbox.Send(ctx, paths...)
}

// End closes one of the agent's chats, tells the consumer and frees the agent's capacity.
func (d *Desk) End(ctx context.Context, agentID, sessionID string) error {
	s, line, err := d.heldChat(ctx, agentID, sessionID)
	if err != nil {
		return err
	}
	e := session.Entry{Author: session.FromSystem, Kind: "ended", Status: session.StatusPending,
		Body: line.Message("ended", s.Language, s.QueueID, nil)}
	paths, err := d.append(ctx, agentID, sessionID, []session.Entry{e}, session.EndAgent)
	if err != nil {
		return err
	}
	d.Log.Info("chat ended by agent", "session", sessionID, "agent", agentID)
	bus.Emit(ctx, d.Events, bus.ChatEvent{Type: bus.ChatEnded, SessionID: sessionID})
	if err := d.Outbox.Send(ctx, paths...); err != nil {
		return err
	}
	if err := d.Router.FillAgent(ctx, agentID); err != nil {
		d.Log.Error("assigning waiting chats failed", "agent", agentID, "err", err)
	}
	return nil
}

func (d *Desk) append(ctx context.Context, agentID, sessionID string, entries []session.Entry, endReason string) ([]string, error) {
	plan, schedule := d.planner(ctx)
	paths, err := d.Store.AppendByAgent(ctx, sessionID, agentID, time.Now(), entries, endReason, plan)
	if err != nil {
		return nil, actError(sessionID, err)
	}
	schedule()
	return paths, nil
}

// heldChat reads a chat the agent is to act on, with its line: only a chat they hold, while
// it goes on (session.ActableBy).
func (d *Desk) heldChat(ctx context.Context, agentID, sessionID string) (session.Session, config.Line, error) {
	s, err := d.Store.Session(ctx, sessionID)
	if err == nil {
		err = s.ActableBy(agentID)
	}
	if err != nil {
		return s, config.Line{}, actError(sessionID, err)
	}
	line, err := d.Store.Line(ctx, s.Business)
	return s, line, err
}

// actError says why an agent may not act on a chat: an id that names nothing and another
// agent's chat answer alike (not found), the agent's own ended chat says it ended.
func actError(sessionID string, err error) error {
	switch {
	case errors.Is(err, session.ErrEnded):
		return fmt.Errorf("chat %s: %w", ids.Short(sessionID), ErrChatEnded)
	case errors.Is(err, session.ErrNotHeld), errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("chat %s: %w", ids.Short(sessionID), ErrNotYourChat)
	}
	return err
}

// planner makes a plan callback that replans a changed chat's timers inside the store's
// transaction, and a schedule func to run after the commit. The last attempt's plan wins.
func (d *Desk) planner(ctx context.Context) (func(*session.Session), func()) {
	var timers []session.Timer
	plan := func(s *session.Session) {
		line, err := d.Store.Line(ctx, s.Business)
		if err != nil {
			d.Log.Error("timers not planned", "session", s.ID, "err", err)
			timers = nil
			return
		}
		timers = session.Plan(line, s)
	}
	schedule := func() {
		if err := d.Timers.Schedule(ctx, timers...); err != nil {
			d.Log.Error("timers not scheduled; the sweeper will catch them", "err", err)
		}
	}
	return plan, schedule
}

// MaskPhone hides all but the last four digits of a consumer's number: "+1 ***-***-1234".
func MaskPhone(p string) string {
	if len(p) <= 4 {
		return "***"
	}
	last := p[len(p)-4:]
	if strings.HasPrefix(p, "+1") && len(p) == 12 {
		return "+1 ***-***-" + last
	}
	return strings.Repeat("*", len(p)-4) + last
}
