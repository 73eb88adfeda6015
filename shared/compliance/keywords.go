// Package compliance holds the carrier rules every message obeys: the protected SMS keywords
// (opt-out, opt-in, help) that no menu or queue may shadow.
package compliance

import "strings"

// Keyword is the meaning of a whole inbound message that is a protected command.
type Keyword int

// The protected command families, as carriers define them.
const (
	None   Keyword = iota
	OptOut         // STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT
	OptIn          // START, YES, UNSTOP
	Help           // HELP, INFO
)

var keywords = map[string]Keyword{
	"STOP": OptOut, "STOPALL": OptOut, "UNSUBSCRIBE": OptOut, "CANCEL": OptOut, "END": OptOut, "QUIT": OptOut,
	"REVOKE": OptOut, "OPTOUT": OptOut,
	"START": OptIn, "YES": OptIn, "UNSTOP": OptIn,
	"HELP": Help, "INFO": Help,
}

// Classify tells whether body, as a whole message and ignoring case and surrounding space or
// punctuation, is a protected command.
func Classify(body string) Keyword {
	return keywords[Normalize(body)]
}

// CarrierKeyword is Classify as the carrier matches: the whole message, trimmed of spaces
// only, in any case. A keyword it finds is one the carrier itself acts on and answers, where
// it handles keywords at all ("Stop." is ours to answer, "STOP" the carrier's).
func CarrierKeyword(body string) Keyword {
	return keywords[strings.ToUpper(strings.TrimSpace(body))]
}

// IsProtected reports whether word may not be used as a menu keyword or queue command.
func IsProtected(word string) bool {
	return Classify(word) != None
}

// Normalize upper-cases a command word and trims spaces and trailing punctuation ("Stop." → "STOP").
func Normalize(body string) string {
	return strings.ToUpper(strings.Trim(body, " \t\r\n.!?"))
}
