package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
)

// CanRead reports whether viewer may read chat s: its transcript, and the CRM records and
// contact of it. An agent reads the chats they hold or held, and those offered to them; a supervisor every chat of the
// lines of business they serve (their queues' lines, directly or through teams), chats that
// ended before reaching anyone included; an admin every chat.
func CanRead(viewer routing.Agent, s session.Session) bool {
	switch viewer.Role {
	case config.RoleAdmin:
		return true
	case config.RoleSupervisor:
		if s.LineOfBusiness != "" && slices.Contains(viewer.ServesLines, s.LineOfBusiness) {
			return true
		}
	}
	return s.Held(viewer.ID) || s.OfferedTo(viewer.ID)
}

// SeesUnattended reports whether viewer may list the chats that ended with no agent.
func SeesUnattended(viewer routing.Agent) bool {
	return viewer.Role == config.RoleAdmin || viewer.Role == config.RoleSupervisor
}

// ErrForbidden reports a call the viewer's role does not allow.
var ErrForbidden = errors.New("not allowed for this role")

// MaxUnattended is the most chats one listing of unattended chats returns.
const MaxUnattended = 100

// UnattendedChats lists, for a supervisor or an admin, the chats that ended with no agent
// (no agent free, after hours, abandoned in a menu or a queue) on the supervisor's lines (all
// lines for an admin), the most recently ended first, ending before before (zero: now).
func (d *Desk) UnattendedChats(ctx context.Context, viewer routing.Agent, before time.Time, limit int) ([]Chat, error) {
	if !SeesUnattended(viewer) {
		return nil, fmt.Errorf("%w: only supervisors and admins list unattended chats", ErrForbidden)
	}
	if limit <= 0 || limit > MaxUnattended {
		limit = MaxUnattended
	}
	if before.IsZero() {
		before = time.Now()
	}
	var lines []string
	if viewer.Role != config.RoleAdmin {
		if lines = viewer.ServesLines; len(lines) == 0 {
			return []Chat{}, nil
		}
	}
	sessions, err := d.Store.UnattendedChats(ctx, lines, before, limit)
	if err != nil {
		return nil, err
	}
	return d.withTranscripts(ctx, sessions)
}

// ReadableChats tells which of the chats viewer may read (CanRead), for showing only those
// CRM records and contacts: unknown chats are not readable.
func (d *Desk) ReadableChats(ctx context.Context, viewer routing.Agent, chatIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(chatIDs) == 0 {
		return out, nil
	}
	if viewer.Role == config.RoleAdmin {
		for _, id := range chatIDs {
			out[id] = true
		}
		return out, nil
	}
	chats, err := d.Store.Sessions(ctx, chatIDs)
	if err != nil {
		return nil, err
	}
	for id, s := range chats {
		out[id] = CanRead(viewer, s)
	}
	return out, nil
}

// SeesContact reports whether viewer may see a CRM contact, given which of the contact's
// chats they may read (ReadableChats over every chat of its records): an admin sees every
// contact; anyone who may read one of its chats sees it; a contact without any chat yet (one
// just created) is seen by supervisors and admins only.
func SeesContact(viewer routing.Agent, readable map[string]bool) bool {
	if viewer.Role == config.RoleAdmin || (len(readable) == 0 && viewer.Role == config.RoleSupervisor) {
		return true
	}
	for _, ok := range readable {
		if ok {
			return true
		}
	}
	return false
}

// SeesRecord reports whether a CRM record of the chats chatIDs is shown: when one of them
// may be read.
func SeesRecord(readable map[string]bool, chatIDs []string) bool {
	return slices.ContainsFunc(chatIDs, func(id string) bool { return readable[id] })
}

// SeesAgent reports whether viewer may follow agent a's status and load (live monitoring):
// everyone themselves, a supervisor the agents who serve one of their lines, an admin every
// agent.
func SeesAgent(viewer, a routing.Agent) bool {
	switch {
	case viewer.ID == a.ID || viewer.Role == config.RoleAdmin:
		return true
	case viewer.Role == config.RoleSupervisor:
		return slices.ContainsFunc(a.ServesLines, func(l string) bool { return slices.Contains(viewer.ServesLines, l) })
	}
	return false
}
