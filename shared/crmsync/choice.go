package crmsync

import (
	"errors"
	"fmt"
	"slices"

	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/store"
)

// ErrBadChoice reports a contact choice the chat does not offer.
var ErrBadChoice = errors.New("not a choice of this chat")

// Choose decides the agent's pick among a chat's candidate contacts (or store.ChoiceNew) and
// records it in st; st is nil for a chat whose sync never started. It refuses a contact that
// is not a candidate, and a chat that is not waiting for a pick; picking the same contact
// again is accepted and changes nothing. It reports whether st changed.
func Choose(sessionID string, st *State, choice string) (bool, error) {
	switch {
	case st == nil:
		return false, fmt.Errorf("chat %s has no contact to choose: %w", sessionID, ErrBadChoice)
	case st.Choice == choice:
		return false, nil
	case !st.Waiting():
		return false, fmt.Errorf("chat %s already has its contact: %w", sessionID, ErrBadChoice)
	case choice != store.ChoiceNew && !slices.ContainsFunc(st.Candidates, func(c store.Candidate) bool { return c.ID == choice }):
		return false, fmt.Errorf("contact %s is not one of the chat's candidates: %w", ids.Short(choice), ErrBadChoice)
	}
	st.Choice = choice
	return true, nil
}
