package console_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// A browser that accepts gzip gets the scripts gzipped, the same bytes once unzipped and a
// fraction of the size; one that does not gets them plain.
func TestAssetsAreSentGzippedToBrowsersThatAcceptIt(t *testing.T) {
	srv := httptest.NewServer(handler(nil))
	defer srv.Close()
	want, err := os.ReadFile("static/vendor/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	// The transport would add gzip and unzip by itself; say it explicitly to see the wire.
	get := func(enc string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", srv.URL+"/console/static/vendor/htmx.min.js", nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := get("gzip, deflate, br")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("headers %v, want gzip and Vary: Accept-Encoding", resp.Header)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, want) {
		t.Error("unzipped asset differs from the embedded file")
	}
	if len(body)*2 > len(want) {
		t.Errorf("gzipped %d bytes of %d: want under half", len(body), len(want))
	}
	for _, enc := range []string{"", "identity", "gzip;q=0"} {
		resp, body = get(enc)
		if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, want) {
			t.Errorf("Accept-Encoding %q: got %s encoded, %d bytes; want the plain file", enc, resp.Header.Get("Content-Encoding"), len(body))
		}
	}
}
