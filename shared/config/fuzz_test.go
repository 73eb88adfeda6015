package config

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzFill: the placeholder filler answers any text; smsdesk's own values win over a
// caller's, a value is never read as a placeholder, and a missing value is reported.
func FuzzFill(f *testing.F) {
	f.Add("Hi {name}, {brand} here about {order}", "Shop", "Ana", "A-17")
	f.Add("{{brand}} {brand", "{order}", "", "}")
	f.Add("{}{ }{a-b}{é}", "x", "y", "z")
	f.Fuzz(func(t *testing.T, text, brand, name, order string) {
		ours := map[string]string{"brand": brand}
		vars := map[string]string{"brand": "NOT-OURS", "name": name, "order": order}
		out, err := Fill(text, ours, vars)
		var missing *MissingValueError
		if err != nil && !errors.As(err, &missing) {
			t.Fatalf("Fill(%q) = %v, not a missing value", text, err)
		}
		if strings.Contains(out, "NOT-OURS") && !strings.Contains(text+brand+name+order, "NOT-OURS") {
			t.Fatalf("Fill(%q) used the caller's brand: %q", text, out)
		}
		if !strings.Contains(text, "{") && (out != text || err != nil) {
			t.Fatalf("a text without placeholders changed: %q → %q, %v", text, out, err)
		}
	})
}

// FuzzValidate: any configuration document decodes and validates without panicking, and a
// configuration that validates has what the functions rely on.
func FuzzValidate(f *testing.F) {
	f.Add(`{"numbers":[{"number":"+18005550100","lineOfBusiness":"shop","entryQueue":"root","defaultLanguage":"en","brand":"Shop"}],"queues":[{"id":"root","name":"Root","lineOfBusiness":"shop"}],"agents":[{"id":"ana","name":"Ana","queues":["root"],"token":"t"}]}`)
	f.Add(`{"numbers":[{"number":"12","entryQueue":"x"}],"queues":[{"id":"x","parent":"x"}]}`)
	f.Add(`{"queues":[{"id":"a","parent":"b"},{"id":"b","parent":"a"}]}`)
	f.Add(`{"settings":{"quietHours":{"start":"25:00","end":"-1"}}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		var c Catalog
		if json.Unmarshal([]byte(doc), &c) != nil {
			return
		}
		if c.Validate() != nil {
			return
		}
		for _, n := range c.Numbers {
			if _, ok := NewLine(n, c.Queues).Queue(n.EntryQueue); !ok {
				t.Fatalf("a valid configuration's number %q enters unknown queue %q", n.Number, n.EntryQueue)
			}
		}
	})
}

// FuzzChoose: the menu parser answers any reply; what it picks is a child of the menu.
func FuzzChoose(f *testing.F) {
	line := NewLine(Number{Number: "+18005550100", EntryQueue: "menu"}, []Queue{
		{ID: "menu", Name: "Menu"},
		{ID: "billing", Name: "Billing", Parent: "menu", Order: 1, Keywords: []string{"BILL"}},
		{ID: "tech", Name: "Tech", Parent: "menu", Order: 2, KeywordsByLanguage: map[string][]string{"es": {"TECNICO"}}},
	})
	for _, s := range []string{"1", " 2 ", "bill", "tecnico", "3", "0", "", "１"} {
		f.Add(s, "es")
	}
	f.Fuzz(func(t *testing.T, answer, lang string) {
		q, ok := line.Choose("menu", answer, lang)
		if ok && q.Parent != "menu" {
			t.Fatalf("Choose(%q) = %q, not an option of the menu", answer, q.ID)
		}
	})
}
