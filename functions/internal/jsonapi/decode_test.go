package jsonapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecodeStrictTakesExactlyOneObject(t *testing.T) {
	type body struct{ Body string }
	for in, want := range map[string]string{
		`{"Body": "hi"}`:                 "",
		` {"Body": "hi"} ` + "\n":        "",
		`{"Body": "one"}{"Body": "two"}`: "nothing after it",
		`{"Body": "one"} x`:              "nothing after it",
		`{"Body": "one"} []`:             "nothing after it",
		``:                               "empty",
		`{"Bdy": "hi"}`:                  `unknown field "Bdy"`,
		`{"Body": "` + strings.Repeat("x", 5000) + `" `: "one JSON object",
	} {
		var v body
		err := DecodeStrict(strings.NewReader(in), &v)
		switch {
		case want == "" && err != nil:
			t.Errorf("%.40q: %v", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%.40q: %v, want an error saying %q", in, err, want)
		case err != nil && len(err.Error()) > 300:
			t.Errorf("%.40q: the error repeats %d bytes of the body", in, len(err.Error()))
		}
	}
}

func TestStripPrefixKeepsEscapedSlashesInTheirSegment(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /chats/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("chat " + r.PathValue("id"))) })
	mux.HandleFunc("/", NoRoute("test"))
	h := StripPrefix("/agent", mux, NoRoute("test"))
	for path, want := range map[string]string{
		"/agent/chats/a%2Fb":       "chat a/b",
		"/chats/c1":                "chat c1",
		"/agent/chats/c1":          "chat c1",
		"/agent/chats/..%2Fagents": "no route",
		"/agent/chats/%2E":         "no route",
		"/agentx/chats/c1":         "no route",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s = %d %s, want %q", path, rec.Code, rec.Body, want)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/agent/nothing/"+strings.Repeat("z", 100000), nil))
	if rec.Code != http.StatusNotFound || rec.Body.Len() > 500 {
		t.Errorf("a huge unknown path = %d with %d bytes", rec.Code, rec.Body.Len())
	}
}
