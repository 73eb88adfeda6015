package jsonapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Decode reads a request body of at most limit bytes that is exactly one JSON value into v,
// refusing fields v does not have (a typo must not be ignored) and anything after the value
// (two objects, or one and garbage, are a client's mistake, not a request). On failure it has
// answered 400 and reports false.
func Decode(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	if err := DecodeStrict(http.MaxBytesReader(w, r.Body, limit), v); err != nil {
		WriteError(w, http.StatusBadRequest, "invalid_json", err.Error())
		return false
	}
	return true
}

// DecodeStrict decodes exactly one JSON value from rd into v, refusing unknown fields and
// trailing data, with an error that says what to fix.
func DecodeStrict(rd io.Reader, v any) error {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("request body is empty; it must be one JSON object")
		}
		return fmt.Errorf("request body must be one JSON object: %s", Clip(err.Error()))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("request body must be one JSON object, with nothing after it")
	}
	return nil
}

// StripPrefix serves h with prefix (the function's name, as cloudfunctions.net URLs carry
// it) taken off the path when present. It trims the escaped path too, so that an escaped
// slash in an id ("a%2Fb") stays inside its path segment instead of splitting it. A path
// with a "." or ".." segment is answered 404 by notFound: no id is a dot segment, and the
// mux's redirect to the cleaned path would lose the prefix.
func StripPrefix(prefix string, h http.Handler, notFound http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, seg := range strings.Split(r.URL.Path, "/") {
			if seg == "." || seg == ".." {
				notFound.ServeHTTP(w, r)
				return
			}
		}
		r2 := r.Clone(r.Context())
		p, ok := strings.CutPrefix(r.URL.Path, prefix)
		rp := strings.TrimPrefix(r.URL.RawPath, prefix)
		if !ok || (p != "" && p[0] != '/') {
			p, rp = r.URL.Path, r.URL.RawPath
		}
		if p == "" {
			p, rp = "/", ""
		}
		r2.URL.Path, r2.URL.RawPath = p, rp
		h.ServeHTTP(w, r2)
	})
}

// NoRoute answers 404 for a path no route serves, naming the API's documentation.
func NoRoute(api string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, "not_found", "no route "+r.Method+" "+Clip(r.URL.Path)+"; see the "+api+" API in the README")
	}
}

// clipLen is the most characters of outside text (a path, a decoder's complaint quoting the
// body) an error message repeats.
const clipLen = 120

// Clip cuts outside text for an error message.
func Clip(s string) string {
	if utf8.RuneCountInString(s) <= clipLen {
		return s
	}
	return string([]rune(s)[:clipLen]) + "…"
}
