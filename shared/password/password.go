// Package password hashes agents' console passwords with argon2id, memory-hard, in the PHC
// string form ($argon2id$v=19$m=19456,t=2,p=1$salt$hash, OWASP's minimum parameters), and
// checks a password against such a hash in constant time.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The parameters new hashes get; Verify reads them back from each hash, so raising them
// later keeps old hashes working.
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	saltLen   = 16
	keyLen    = 32
	// maxBytes bounds what is hashed, as config.MaxPasswordBytes bounds what is stored.
	maxBytes = 256
	// maxMemoryKiB refuses stored hashes that would make one check take too much memory.
	maxMemoryKiB = 256 * 1024
)

var b64 = base64.RawStdEncoding

// Hash is the PHC string of password with a fresh random salt.
func Hash(password string) string {
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails (crypto/rand)
	key := argon2.IDKey([]byte(password), salt, passes, memoryKiB, lanes, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, lanes, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether password is the one hash was made from. A malformed hash, an empty
// one (no password set) and a password over 256 bytes never match.
func Verify(password, hash string) bool {
	if hash == "" || len(password) > maxBytes {
		return false
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > maxMemoryKiB || t == 0 || t > 10 || p == 0 {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
