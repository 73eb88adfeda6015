// Package ids says which identifiers from outside (a URL, a request body, a config file) may
// name a stored document, and how to show one in a message without echoing it whole.
package ids

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLen is the longest id, in bytes: far above any id smsdesk makes or a config needs, far
// below Firestore's 1,500-byte limit.
const MaxLen = 256

// ErrInvalid reports an id that cannot name a document.
var ErrInvalid = errors.New("not a valid id")

// Check refuses an id that is not a valid document id: empty, longer than MaxLen, not UTF-8,
// with a slash or a control character, "." or "..", or of Firestore's reserved form __x__.
// kind names the thing in the error ("chat", "agent").
func Check(kind, id string) error {
	if reason := problem(id); reason != "" {
		return fmt.Errorf("%s %s: %w (%s)", kind, Short(id), ErrInvalid, reason)
	}
	return nil
}

// Valid reports whether Check accepts id.
func Valid(id string) bool { return problem(id) == "" }

func problem(id string) string {
	switch {
	case id == "":
		return "it is empty"
	case len(id) > MaxLen:
		return fmt.Sprintf("it has %d bytes; the limit is %d", len(id), MaxLen)
	case !utf8.ValidString(id):
		return "it is not UTF-8"
	case id == "." || id == "..":
		return "it is a dot segment"
	case strings.HasPrefix(id, "__") && strings.HasSuffix(id, "__"):
		return "ids of the form __x__ are reserved"
	case strings.ContainsFunc(id, func(r rune) bool { return r == '/' || unicode.IsControl(r) }):
		return "it contains a slash or a control character"
	}
	return ""
}

// ShortLen is how many characters of an id Short keeps.
const ShortLen = 64

// Short is id quoted for a message or a log line, cut to ShortLen characters, so that a huge
// id from outside is never echoed whole.
func Short(id string) string {
	if utf8.RuneCountInString(id) <= ShortLen {
		return fmt.Sprintf("%q", id)
	}
	r := []rune(id)
	return fmt.Sprintf("%q… (%d characters)", string(r[:ShortLen]), len(r))
}
