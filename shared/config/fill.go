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

// Fill replaces each {name} in text with its value, in one pass, so that a value is never
// read as a placeholder itself. A value comes from ours, what smsdesk fills ({brand},
// {agent}, {queue}, ...), or else from vars, the caller's variables (a template's or a canned
// message's "variables"). What smsdesk fills wins: a caller's variable named like one of
// ours (say "brand") is not used, so a text from a number always names that number's brand.
// An empty value counts as missing: "Your order  is on its way" reads as wrong as "Your
// order {order} is on its way". Placeholders without a value stay as written and the first
// is reported as a *MissingValueError.
func Fill(text string, ours, vars map[string]string) (string, error) {
	var missing string
	out := placeholder.ReplaceAllStringFunc(text, func(p string) string {
		name := p[1 : len(p)-1]
		v, own := ours[name]
		if !own {
			v = vars[name]
		}
		if v != "" {
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

// Placeholders lists the names of the {name} placeholders of text, each once, in order.
func Placeholders(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range placeholder.FindAllString(text, -1) {
		if name := p[1 : len(p)-1]; !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}
