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
		got, err := Fill(c.text, nil, c.vars)
		var m *MissingValueError
		if got != c.want || (c.missing == "") != (err == nil) || (err != nil && (!errors.As(err, &m) || m.Placeholder != c.missing)) {
			t.Errorf("Fill(%q, %v) = %q, %v; want %q, missing %q", c.text, c.vars, got, err, c.want, c.missing)
		}
	}
}

// TestFillOursWins: what smsdesk fills beats a caller's variable of the same name, even an
// empty one; the caller's variables fill the rest.
func TestFillOursWins(t *testing.T) {
	got, err := Fill("{brand}: order {order}", map[string]string{"brand": "Shop"}, map[string]string{"brand": "Evil Corp", "order": "A-1"})
	if err != nil || got != "Shop: order A-1" {
		t.Errorf("Fill = %q, %v; want the number's brand and the caller's order", got, err)
	}
	var m *MissingValueError
	if _, err := Fill("{brand}: hi", map[string]string{"brand": ""}, map[string]string{"brand": "Evil Corp"}); !errors.As(err, &m) || m.Placeholder != "{brand}" {
		t.Errorf("an empty brand of ours filled from the caller's variables: %v", err)
	}
}

// TestMessageBrandIsTheNumbers: a system message names the number's brand whatever the
// variables say.
func TestMessageBrandIsTheNumbers(t *testing.T) {
	l := NewLine(Number{Number: "+18005550100", Brand: "Shop", DefaultLanguage: "en", EntryQueue: "root",
		Messages: map[string]map[string]string{"en": {"assigned": "{brand}: {agent} is here"}}}, []Queue{{ID: "root", Name: "Root"}})
	if got := l.Message("assigned", "en", "root", map[string]string{"agent": "Ana", "brand": "Evil Corp"}); got != "Shop: Ana is here" {
		t.Errorf("Message = %q, want the number's brand", got)
	}
}
