// Package timers schedules the checks a chat needs later (consumer inactivity, queue wait, agent
// reply due, hard expiration) and authenticates their delivery to the expiry function.
//
// A timer is delivered at least once, possibly more than once and possibly late: Cloud Tasks
// retries a delivery that did not answer 2xx, and a Schedule retried after a lost answer must not
// fire twice. Two rules make that safe. A timer's task name is derived from its session, kind and
// generation, so scheduling the same timer again is a no-op. And a timer acts only if the chat's
// deadline of its kind is still the timer's Due: acting, or any change that moves that deadline,
// removes or moves it, which turns older timers, and duplicate deliveries of a timer that already
// acted, into no-ops.
package timers

import (
	"github.com/smsdesk/smsdesk/shared/session"

	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Timer is the chat state machine's timer: one scheduled check on a chat, acting only if the
// chat's deadline of its kind is still its Due.
type Timer = session.Timer

// Scheduler schedules a timer for delivery at its Due time. Scheduling the same timer (same
// session, kind and generation) again is not an error and does not deliver it twice.
type Scheduler interface {
	Schedule(ctx context.Context, t Timer) error
}

// ErrInvalidTimer reports a timer that cannot be scheduled (no session, kind or due time).
var ErrInvalidTimer = errors.New("invalid timer")

// validate reports what makes t unschedulable, if anything.
func validate(t Timer) error {
	switch {
	case t.SessionID == "":
		return fmt.Errorf("%w: no session id (kind %q)", ErrInvalidTimer, t.Kind)
	case t.Kind == "":
		return fmt.Errorf("%w: no kind (session %q)", ErrInvalidTimer, t.SessionID)
	case t.Due.IsZero():
		return fmt.Errorf("%w: no due time (session %q, kind %q)", ErrInvalidTimer, t.SessionID, t.Kind)
	}
	return nil
}

// Limits that keep a Name within Cloud Tasks' 500 characters.
const (
	maxNameSession = 300
	maxNameKind    = 100
)

// Name is the deterministic task id for t: a retried Schedule of the same timer does not double
// up. It is derived from the session, kind and generation (never Due) and uses only the
// characters Cloud Tasks allows in a task id (letters, digits, hyphens, underscores), at most 500
// of them.
//
// It reads "<hash>-<session>-<kind>-g<generation>": the readable parts have other characters
// replaced by underscores and are cut to a bounded length, so the leading hash of the exact
// session and kind keeps distinct timers apart even when their readable parts coincide ("a.b"
// and "a_b"). A hash first also spreads names evenly, which Cloud Tasks asks of task ids.
func Name(t Timer) string {
	gen := strconv.Itoa(t.Generation)
	sum := sha256.Sum256([]byte(t.SessionID + "\x00" + t.Kind + "\x00" + gen))
	var b strings.Builder
	b.WriteString(hex.EncodeToString(sum[:8]))
	b.WriteByte('-')
	b.WriteString(sanitize(t.SessionID, maxNameSession))
	b.WriteByte('-')
	b.WriteString(sanitize(t.Kind, maxNameKind))
	b.WriteString("-g")
	b.WriteString(gen)
	return b.String()
}

// sanitize keeps the characters allowed in a task id, replaces the others by '_' and cuts the
// result to at most max characters.
func sanitize(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
