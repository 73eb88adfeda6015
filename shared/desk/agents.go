// Package desk is what an agent does at their desk: set a status, see their chats with the
// transcript, reply and end chats. Each action is checked against the chats the agent holds.
package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/followup"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/media"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Store is what the desk reads and changes.
type Store interface {
	SetAgentStatus(ctx context.Context, id, status string, now time.Time, spent func(before routing.Agent) reports.Counts) error
	Agent(ctx context.Context, id string) (routing.Agent, error)
	AgentChats(ctx context.Context, agentID string) ([]session.Session, error)
	// OfferedChats lists the chats offered to a manual-answer agent, awaiting their answer.
	OfferedChats(ctx context.Context, agentID string) ([]session.Session, error)
	// AnswerOffer stores an agent's answer to an offer as decide makes it (store.AnswerOffer).
	AnswerOffer(ctx context.Context, sessionID, agentID string, now time.Time, decide func(*session.Session, routing.Agent) (store.OfferAnswer, error)) (session.Session, followup.Record, error)
	Session(ctx context.Context, id string) (session.Session, error)
	// Sessions reads chats by id; ids that name no chat are left out.
	Sessions(ctx context.Context, ids []string) (map[string]session.Session, error)
	// UnattendedChats lists chats of the lines (every line when lines is nil) that ended
	// before before with no agent holding them, the most recent first.
	UnattendedChats(ctx context.Context, lines []string, before time.Time, limit int) ([]session.Session, error)
	Transcript(ctx context.Context, sessionID string) ([]session.Entry, error)
	Line(ctx context.Context, number string) (config.Line, error)
	AppendByAgent(ctx context.Context, ch store.AgentChange) (store.AgentApplied, error)
	ResolveOptOut(ctx context.Context, sessionID string, decide func(session.Consumer, session.Session) (session.Outcome, followup.Followups, error)) (session.Outcome, followup.Record, error)
	ChangeChat(ctx context.Context, sessionID, change string, decide func(session.Consumer, session.Session) (session.Outcome, followup.Followups, error)) (session.Outcome, followup.Record, error)
}

// Followups carries out what a committed change left to do, within a budget, so that an
// answer says what was committed (followup.Executor.Settle).
type Followups interface {
	// Settle carries r out within a budget, leaving the rest to the relay (an API answers
	// what was committed).
	Settle(ctx context.Context, r followup.Record)
	// AfterCommit carries r out in full.
	AfterCommit(ctx context.Context, r followup.Record) error
}

// Desk serves agents.
type Desk struct {
	Store     Store
	Transfers Transfers
	// Contacts, when set, shows agents the chats' CRM contacts and takes their choices.
	Contacts  Contacts
	Followups Followups
	// Notebook keeps private notes on chats; Seen how far agents have read them (the console).
	Notebook Notebook
	Seen     SeenMarks
	// Attachments keeps the files agents send (media.Keeper); nil refuses them.
	Attachments Attachments
	Log         *slog.Logger
}

// Attachments keeps agents' files for the carrier to fetch (media.Keeper).
type Attachments interface {
	Keep(ctx context.Context, files []media.Upload) ([]session.Media, error)
}

// Errors the API maps to answers.
var (
	ErrInvalid     = errors.New("invalid request")
	ErrNotYourChat = errors.New("no such chat among yours")
	// ErrChatEnded reports an action on the agent's own chat after it ended.
	ErrChatEnded = errors.New("the chat has ended")
	// ErrKeyReused reports an Idempotency-Key sent before with another request.
	ErrKeyReused = store.ErrKeyReused
	// ErrNoMedia refuses attachments in a deployment without a media bucket.
	ErrNoMedia = errors.New("attachments are not available")
)

// MaxBody is the longest text an agent may send: the carrier's limit.
const MaxBody = 1600

// MaxKey is the longest idempotency key a reply may carry.
const MaxKey = 255

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
	now := time.Now()
	if err := d.Store.SetAgentStatus(ctx, agentID, status, now, func(before routing.Agent) reports.Counts {
		return StatusSpent(before, now)
	}); err != nil {
		return routing.Agent{}, err
	}
	d.Log.Info("agent status", "agent", agentID, "status", status)
	if status == routing.AgentAvailable {
		// Going available takes waiting chats: the fill is the change's follow-up, carried out
		// before answering however long the queue takes (the agent asked for it; no budget),
		// and the relay fills every free agent should this one not finish.
		rec := followup.Record{ID: "status-" + agentID, Followups: followup.Followups{Fill: []string{agentID}}}
		if err := d.Followups.AfterCommit(ctx, rec); err != nil {
			d.Log.Error("assigning waiting chats failed; the relay will", "agent", agentID, "err", err)
		}
	}
	return d.Store.Agent(ctx, agentID)
}

// StatusSpent is what agent a's spell in their status until now adds to the reports: its
// seconds, split across hours (none for a status never set).
func StatusSpent(a routing.Agent, now time.Time) reports.Counts {
	if a.Status == "" || a.StatusAt.IsZero() || !now.After(a.StatusAt) {
		return nil
	}
	return reports.StatusTime(a.ID, a.Status, a.StatusAt, now)
}

// Chats lists the agent's chats with their transcripts, then the chats offered to them.
func (d *Desk) Chats(ctx context.Context, agentID string) ([]Chat, error) {
	sessions, err := d.Store.AgentChats(ctx, agentID)
	if err != nil {
		return nil, err
	}
	offered, err := d.Store.OfferedChats(ctx, agentID)
	if err != nil {
		return nil, err
	}
	return d.withTranscripts(ctx, append(sessions, offered...))
}

// withTranscripts reads each chat's transcript and CRM contact state.
func (d *Desk) withTranscripts(ctx context.Context, sessions []session.Session) ([]Chat, error) {
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

// Replied is an agent's text as stored.
type Replied struct {
	Entry session.Entry
	// Replayed is set when the reply had been made before with the same idempotency key.
	Replayed bool
}

// Reply sends the agent's text to the consumer of one of their chats. With a key, a retry
// sends nothing again and answers the reply first stored. The answer says what was
// committed: the send is carried out after the commit, by the relay when not at once.
func (d *Desk) Reply(ctx context.Context, agentID, sessionID, body, key string) (Replied, error) {
	return d.Send(ctx, agentID, sessionID, Message{Body: body}, key)
}

// Message is what an agent sends: a text, attachments (an MMS), or both.
type Message struct {
	Body  string
	Files []media.Upload
}

// Send sends m to the consumer of one of the agent's chats, as Reply does; attachments are
// checked against the carrier's MMS limits and kept in the media bucket (Attachments) before
// the text is stored, and the carrier gets signed URLs of the copies.
func (d *Desk) Send(ctx context.Context, agentID, sessionID string, m Message, key string) (Replied, error) {
	body := strings.TrimSpace(m.Body)
	switch {
	case body == "" && len(m.Files) == 0:
		return Replied{}, fmt.Errorf("%w: body is empty", ErrInvalid)
	case len([]rune(body)) > MaxBody:
		return Replied{}, fmt.Errorf("%w: body has %d characters; the limit is %d", ErrInvalid, len([]rune(body)), MaxBody)
	case len(key) > MaxKey:
		return Replied{}, fmt.Errorf("%w: Idempotency-Key has %d bytes; the limit is %d", ErrInvalid, len(key), MaxKey)
	}
	h := sha256.New()
	h.Write([]byte(body))
	var kept []session.Media
	if len(m.Files) > 0 {
		if d.Attachments == nil {
			return Replied{}, fmt.Errorf("%w: attachments need the media bucket (SMSDESK_MEDIA_BUCKET), which this deployment has not", ErrNoMedia)
		}
		if err := media.DefaultPolicy().Check(m.Files); err != nil {
			return Replied{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		// Only the chat's holder stores files: a chat not theirs keeps nothing.
		if _, _, err := d.heldChat(ctx, agentID, sessionID); err != nil {
			return Replied{}, err
		}
		var err error
		if kept, err = d.Attachments.Keep(ctx, m.Files); err != nil {
			return Replied{}, fmt.Errorf("keep the attachments of a reply in chat %s: %w", ids.Short(sessionID), err)
		}
		for _, k := range kept {
			h.Write([]byte("\x00" + k.Object)) // the object is named by its content
		}
	}
	res, err := d.change(ctx, store.AgentChange{
		SessionID: sessionID, AgentID: agentID, Key: key, RequestHash: hex.EncodeToString(h.Sum(nil)),
		Decide: Appends(agentID, session.Entry{Author: session.FromAgent, AgentID: agentID, Body: body, Media: kept, Status: session.StatusPending}),
	}, nil)
	if err != nil {
		return Replied{}, err
	}
	if len(res.Entries) == 0 {
		return Replied{}, fmt.Errorf("reply in chat %s: no entry stored under its key", ids.Short(sessionID))
	}
	return Replied{Entry: res.Entries[0], Replayed: res.Replayed}, nil
}

// End closes one of the agent's chats, tells the consumer and frees the agent's capacity
// (session.EndByAgent decides).
func (d *Desk) End(ctx context.Context, agentID, sessionID string) error {
	_, line, err := d.heldChat(ctx, agentID, sessionID)
	if err != nil {
		return err
	}
	now := time.Now()
	_, rec, err := d.Store.ChangeChat(ctx, sessionID, "end", func(c session.Consumer, s session.Session) (session.Outcome, followup.Followups, error) {
		o, err := session.EndByAgent(line, c, s, agentID, now)
		f := Ended(sessionID, agentID)
		f.Timers = o.Timers
		return o, f, err
	})
	if err != nil {
		return actError(sessionID, err)
	}
	d.Log.Info("chat ended by agent", "session", sessionID, "agent", agentID)
	d.Followups.Settle(ctx, rec)
	return nil
}

// Appends is the decision of an agent's change that appends entries to a chat they hold
// (session.AppendByAgent).
func Appends(agentID string, entries ...session.Entry) func(*session.Session, time.Time) (session.Appended, error) {
	return func(c *session.Session, now time.Time) (session.Appended, error) {
		return session.AppendByAgent(c, agentID, entries, now)
	}
}

// Ended is what an agent's end of a chat leaves to do: announce it and give the agent the
// next waiting chat.
func Ended(sessionID, agentID string) followup.Followups {
	f := followup.Ended(sessionID)
	f.Fill = []string{agentID}
	return f
}

// change stores an agent's change with its follow-ups (the chat's new timers, plus what more
// returns) and has them carried out.
func (d *Desk) change(ctx context.Context, ch store.AgentChange, more func(*session.Session) followup.Followups) (store.AgentApplied, error) {
	ch.Now, ch.Then = time.Now(), d.planned(ctx, more)
	res, err := d.Store.AppendByAgent(ctx, ch)
	if err != nil {
		return res, actError(ch.SessionID, err)
	}
	d.Followups.Settle(ctx, res.Record)
	return res, nil
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

// planned makes the follow-ups of a changed chat inside the store's transaction: its
// replanned timers, and what more (when set) adds.
func (d *Desk) planned(ctx context.Context, more func(*session.Session) followup.Followups) func(*session.Session) followup.Followups {
	return func(s *session.Session) followup.Followups {
		var f followup.Followups
		if line, err := d.Store.Line(ctx, s.Business); err != nil {
			d.Log.Error("timers not planned", "session", s.ID, "err", err)
		} else {
			f.Timers = session.Plan(line, s)
		}
		if more != nil {
			f.Add(more(s))
		}
		return f
	}
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
