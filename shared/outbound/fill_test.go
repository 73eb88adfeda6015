package outbound

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/store"
)

// lineStore has one business number and one template; nothing else is used here.
type lineStore struct {
	Store
	line config.Line
	tmpl config.Template
}

func (s lineStore) Line(_ context.Context, number string) (config.Line, error) {
	if number != s.line.Number.Number {
		return config.Line{}, store.ErrNotFound
	}
	return s.line, nil
}

func (s lineStore) Template(_ context.Context, id, lang string) (config.Template, error) {
	if id != s.tmpl.ID || lang != s.tmpl.Language {
		return config.Template{}, store.ErrNotFound
	}
	return s.tmpl, nil
}

// TestTextsNameTheNumbersBrand: {brand} in a template or a body is the sending number's
// brand, whatever the request's variables say; other placeholders come from the variables.
func TestTextsNameTheNumbersBrand(t *testing.T) {
	line := config.NewLine(config.Number{Number: "+18005550100", Brand: "Shop", DefaultLanguage: "en", EntryQueue: "root"}, []config.Queue{{ID: "root"}})
	s := &Service{Store: lineStore{line: line, tmpl: config.Template{ID: "shipped", Language: "en", Text: "{brand}: order {order} shipped"}}}
	vars := map[string]string{"brand": "Evil Corp", "order": "A-1"}
	for _, r := range []Request{
		{From: "+18005550100", To: "+15551234567", Template: "shipped", Vars: vars},
		{From: "+18005550100", To: "+15551234567", Body: "{brand}: order {order} shipped", Vars: vars},
	} {
		if _, err := s.prepare(context.Background(), &r); err != nil || r.Body != "Shop: order A-1 shipped" {
			t.Errorf("prepare(%q%q) = %q, %v; want the number's brand", r.Template, r.Body, r.Body, err)
		}
	}
	r := Request{From: "+18005550100", To: "+15551234567", Template: "shipped", Vars: map[string]string{"brand": "Evil Corp"}}
	var e *Error
	if _, err := s.prepare(context.Background(), &r); !errors.As(err, &e) || e.Code != "missing_variable" || !strings.Contains(e.Message, "{order}") {
		t.Errorf("a missing variable = %v", err)
	}
}
