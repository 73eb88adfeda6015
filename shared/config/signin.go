package config

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Password limits: at least OWASP's minimum length, and a bound on the bytes hashed so that
// nobody makes the memory-hard hash work on megabytes.
const (
	MinPasswordChars = 12
	MaxPasswordBytes = 256
)

// checkSignIn names the problems of the agents' console credentials: passwords too short or
// too long, and emails that are malformed or name two agents. No message repeats a password.
func checkSignIn(agents []Agent) []error {
	var errs []error
	emails := map[string]string{}
	for _, a := range agents {
		if a.Password != "" {
			if len(a.Password) > MaxPasswordBytes {
				errs = append(errs, fmt.Errorf("agent %q: password is over %d bytes", a.ID, MaxPasswordBytes))
			} else if utf8.RuneCountInString(a.Password) < MinPasswordChars {
				errs = append(errs, fmt.Errorf("agent %q: password needs at least %d characters", a.ID, MinPasswordChars))
			}
		}
		if a.Email == "" {
			continue
		}
		if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email || len(a.Email) > 254 {
			errs = append(errs, fmt.Errorf("agent %q: email %q is not an address like ana@example.com", a.ID, a.Email))
			continue
		}
		key := strings.ToLower(a.Email)
		if other, dup := emails[key]; dup {
			errs = append(errs, fmt.Errorf("agent %q: email %q is already agent %q's", a.ID, a.Email, other))
		}
		emails[key] = a.ID
	}
	return errs
}
