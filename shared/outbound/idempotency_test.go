package outbound

import "testing"

func TestFingerprintComparesParsedJSON(t *testing.T) {
	fp := func(route, raw string) string {
		t.Helper()
		s, err := Fingerprint(route, []byte(raw))
		if err != nil {
			t.Fatalf("Fingerprint(%q): %v", raw, err)
		}
		return s
	}
	a := fp("messages", `{"to":"+15551234567","body":"hi","variables":{"a":"1","b":"2"}}`)
	if b := fp("messages", "{ \"variables\": {\"b\": \"2\", \"a\": \"1\"},\n \"body\": \"hi\", \"to\": \"+15551234567\" }"); a != b {
		t.Error("the same request with other spacing and key order has another fingerprint")
	}
	if b := fp("messages", `{"to":"+15551234567","body":"hi!","variables":{"a":"1","b":"2"}}`); a == b {
		t.Error("another body has the same fingerprint")
	}
	if b := fp("sessions", `{"to":"+15551234567","body":"hi","variables":{"a":"1","b":"2"}}`); a == b {
		t.Error("the same body on another route has the same fingerprint")
	}
	if _, err := Fingerprint("messages", []byte(`{"to":`)); err == nil {
		t.Error("malformed JSON accepted")
	}
}
