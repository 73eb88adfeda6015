package crmsync

import (
	"context"
	"time"

	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// ResendWindow is how long after a chat's end the sweeper keeps checking that it reached the
// CRM; the sweeper runs every few minutes, so each ended chat is checked a few times.
const ResendWindow = 15 * time.Minute

// Ended is what the resend reads: recently ended chats and how their sync stands.
type Ended interface {
	EndedChats(ctx context.Context, from, to time.Time, limit int) ([]session.Session, error)
	CRMStates(ctx context.Context, sessionIDs []string) (map[string]store.CRMSync, error)
}

// Resender announces again the end of chats whose sync did not finish, for the chat events
// lost between a committed change and its publish. A chat still syncing gets a duplicate
// event, which changes nothing.
type Resender struct {
	Store  Ended
	Events chatevents.Emitter
}

// Resend re-announces the chats that ended between ResendWindow and grace ago and are not
// fully in the CRM (a chat waiting for the agent's contact choice waits on). It returns how
// many it announced.
func (r *Resender) Resend(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	chats, err := r.Store.EndedChats(ctx, now.Add(-ResendWindow), now.Add(-grace), 500)
	if err != nil || len(chats) == 0 {
		return 0, err
	}
	ids := make([]string, len(chats))
	for i, c := range chats {
		ids[i] = c.ID
	}
	states, err := r.Store.CRMStates(ctx, ids)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if st := states[id]; !st.Done && !st.Waiting() {
			chatevents.Emit(ctx, r.Events, chatevents.Event{Type: chatevents.Resent, SessionID: id})
			n++
		}
	}
	return n, nil
}
