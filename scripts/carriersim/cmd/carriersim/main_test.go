package main

import "testing"

// TestDefaultBaseNamesTheListenedHost: scripts/dev.sh listens on 127.0.0.1 and calls the
// simulator there; media URLs on another host name would be refused.
func TestDefaultBaseNamesTheListenedHost(t *testing.T) {
	for listen, want := range map[string]string{
		"127.0.0.1:8090": "http://127.0.0.1:8090",
		":8090":          "http://localhost:8090",
		"0.0.0.0:8090":   "http://localhost:8090",
		"[::1]:0":        "http://[::1]:8091",
		"localhost:8090": "http://localhost:8090",
	} {
		port := 8090
		if listen == "[::1]:0" {
			port = 8091
		}
		if got := defaultBase(listen, port); got != want {
			t.Errorf("defaultBase(%q) = %q, want %q", listen, got, want)
		}
	}
}
