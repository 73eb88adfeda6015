package config

import (
	"errors"
	"testing"
)

func TestFillTreatsEmptyValuesAsMissing(t *testing.T) {
	for _, c := range []struct {
		text    string
		vars    map[string]string
		want    string
		missing string
	}{
		{"Hi {name}, order {order}", map[string]string{"name": "Ada", "order": "A-1"}, "Hi Ada, order A-1", ""},
		{"Your order {order} is on its way", map[string]string{"order": ""}, "Your order {order} is on its way", "{order}"},
		{"Your order {order} is on its way", nil, "Your order {order} is on its way", "{order}"},
		// A value is not read as a placeholder itself.
		{"{a} and {b}", map[string]string{"a": "{b}", "b": "B"}, "{b} and B", ""},
		{"no placeholders {}", nil, "no placeholders {}", ""},
	} {
		got, err := Fill(c.text, c.vars)
		var m *MissingValueError
		if got != c.want || (c.missing == "") != (err == nil) || (err != nil && (!errors.As(err, &m) || m.Placeholder != c.missing)) {
			t.Errorf("Fill(%q, %v) = %q, %v; want %q, missing %q", c.text, c.vars, got, err, c.want, c.missing)
		}
	}
}
