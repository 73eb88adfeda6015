package store

import "github.com/smsdesk/smsdesk/shared/ids"

// ValidID reports whether id can name a document on its own (see ids.Check). Ids that come
// from outside (API paths, bodies, callbacks, the bus) are checked before a path is built.
func ValidID(id string) bool { return ids.Valid(id) }
