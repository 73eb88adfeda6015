package store

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ValidID reports whether id can name a document on its own: Firestore would read a "/" as
// more path, "." and ".." as path steps, and reserves __names__. Ids that come from outside
// (API paths, bodies, callbacks, the bus) are checked with it before a path is built.
func ValidID(id string) bool {
	return id != "" && len(id) <= 1500 && utf8.ValidString(id) && !strings.Contains(id, "/") &&
		id != "." && id != ".." && !(strings.HasPrefix(id, "__") && strings.HasSuffix(id, "__"))
}

// checkID refuses an id that cannot name a document as not found: no such document exists.
func checkID(kind, id string) error {
	if !ValidID(id) {
		return fmt.Errorf("%s %.48q: %w", kind, id, ErrNotFound)
	}
	return nil
}
