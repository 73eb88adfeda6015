package config

import (
	"fmt"
	"regexp"
)

// placeholder is a {name} in a message text.
var placeholder = regexp.MustCompile(`\{[a-zA-Z0-9_]+\}`)

// MissingValueError names the first placeholder of a text that has no value.
type MissingValueError struct {
	Placeholder string // e.g. "{order}"
}

func (e *MissingValueError) Error() string {
	return fmt.Sprintf("no value for %s", e.Placeholder)
}

// Fill replaces each {name} in text with vars[name], in one pass, so that a value is never
// read as a placeholder itself. An empty value counts as missing: "Your order  is on its way"
// reads as wrong as "Your order {order} is on its way". Placeholders without a value stay as
// written and the first is reported as a *MissingValueError.
func Fill(text string, vars map[string]string) (string, error) {
	var missing string
	out := placeholder.ReplaceAllStringFunc(text, func(p string) string {
		if v := vars[p[1:len(p)-1]]; v != "" {
			return v
		}
		if missing == "" {
			missing = p
		}
		return p
	})
	if missing != "" {
		return out, &MissingValueError{Placeholder: missing}
	}
	return out, nil
}
