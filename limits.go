package smsdesk

import (
	"fmt"
	"net/http"
)

// Every HTTP function bounds what it reads of a request before any handler runs: the largest
// body it takes (the admin API's configuration, 256 KiB, with room to spare; the agent API
// its replies with attachments) and headers well above a browser's or the carrier's.
// Handlers keep their own, smaller limits.
const (
	maxRequestBody    = 1 << 20
	maxRequestHeaders = 32 << 10
)

// bounded answers 431 for headers over maxRequestHeaders and 413 for a body declared over
// maxBody (maxRequestBody when 0), and caps the body read for one that does not declare its
// length. It reports whether the request may go on.
func bounded(w http.ResponseWriter, r *http.Request, maxBody int64) bool {
	if maxBody <= 0 {
		maxBody = maxRequestBody
	}
	size := len(r.Method) + len(r.URL.RequestURI()) + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			size += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	if size > maxRequestHeaders {
		writeLimit(w, http.StatusRequestHeaderFieldsTooLarge, "headers_too_large",
			fmt.Sprintf("request line and headers are %d bytes; at most %d are taken", size, maxRequestHeaders))
		return false
	}
	if r.ContentLength > maxBody {
		writeLimit(w, http.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("request body is %d bytes; at most %d are taken", r.ContentLength, maxBody))
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	return true
}

func writeLimit(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Connection", "close")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`+"\n", code, msg)
}
