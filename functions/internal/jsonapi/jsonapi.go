// Package jsonapi holds what the JSON APIs (agent, admin, outbound) answer alike: JSON bodies,
// errors that say what to fix, and bearer tokens.
package jsonapi

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Write answers status with v as JSON.
func Write(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	WriteRaw(w, status, b)
}

// WriteRaw answers status with an already encoded JSON body.
func WriteRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// ErrorBody is an error answer: {"error": {"code": code, "message": msg, ...extra}}.
func ErrorBody(code, msg string, extra map[string]any) []byte {
	e := map[string]any{"code": code, "message": msg}
	for k, v := range extra {
		e[k] = v
	}
	b, _ := json.Marshal(map[string]any{"error": e})
	return b
}

// WriteError answers status with an error body.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	WriteRaw(w, status, ErrorBody(code, msg, nil))
}

// BearerToken is the token of an "Authorization: Bearer <token>" header, or "".
func BearerToken(r *http.Request) string {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(token)
}
