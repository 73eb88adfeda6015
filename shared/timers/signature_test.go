package timers

import (
	"github.com/smsdesk/smsdesk/shared/session"

	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var verifySecret = []byte("verify-secret")

// signedRequest is a delivery of body signed with secret, with the task header.
func signedRequest(body, secret []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/expiry", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(TaskNameHeader, "abc-chat-1-expire-g1")
	r.Header.Set(SignatureHeader, Sign(secret, body))
	return r
}

func timerBody(t *testing.T) []byte {
	t.Helper()
	body, err := json.Marshal(Timer{SessionID: "chat-1", Kind: session.TimerExpire, Generation: 1, Due: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestVerifyAcceptsSignedDelivery(t *testing.T) {
	body := timerBody(t)
	r := signedRequest(body, verifySecret)
	got, err := Verify(r, verifySecret)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.SessionID != "chat-1" || got.Kind != session.TimerExpire || got.Generation != 1 {
		t.Errorf("Verify = %+v", got)
	}
	again, _ := io.ReadAll(r.Body)
	if !bytes.Equal(again, body) {
		t.Errorf("body after Verify = %q, want %q", again, body)
	}
}

func TestVerifyRefusesUnauthenticated(t *testing.T) {
	body := timerBody(t)
	changed := bytes.Replace(body, []byte(`"generation":1`), []byte(`"generation":9`), 1)
	if bytes.Equal(changed, body) {
		t.Fatalf("test body %s has no generation 1 to change", body)
	}
	cases := map[string]func() (*http.Request, []byte){
		"missing task header": func() (*http.Request, []byte) {
			r := signedRequest(body, verifySecret)
			r.Header.Del(TaskNameHeader)
			return r, verifySecret
		},
		"missing signature": func() (*http.Request, []byte) {
			r := signedRequest(body, verifySecret)
			r.Header.Del(SignatureHeader)
			return r, verifySecret
		},
		"signature not base64": func() (*http.Request, []byte) {
			r := signedRequest(body, verifySecret)
			r.Header.Set(SignatureHeader, "%%%")
			return r, verifySecret
		},
		"wrong secret": func() (*http.Request, []byte) {
			return signedRequest(body, []byte("another-secret")), verifySecret
		},
		"body changed after signing": func() (*http.Request, []byte) {
			r := signedRequest(body, verifySecret)
			r.Body = io.NopCloser(bytes.NewReader(changed))
			return r, verifySecret
		},
		"no secret configured": func() (*http.Request, []byte) {
			return signedRequest(body, nil), nil
		},
		"body too large": func() (*http.Request, []byte) {
			big := []byte(`{"sessionId":"` + strings.Repeat("x", maxBody) + `","kind":"expire"}`)
			return signedRequest(big, verifySecret), verifySecret
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			r, secret := build()
			if _, err := Verify(r, secret); !errors.Is(err, ErrUnauthenticated) {
				t.Errorf("Verify = %v, want ErrUnauthenticated", err)
			}
		})
	}
}

func TestVerifyMalformedSignedBody(t *testing.T) {
	for name, body := range map[string]string{
		"not json":   `{"sessionId": "chat-1", `,
		"wrong type": `{"sessionId":"chat-1","kind":"expire","generation":"one"}`,
		"no session": `{"kind":"expire","generation":1}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Verify(signedRequest([]byte(body), verifySecret), verifySecret)
			if err == nil || errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("Verify = %v, want a decode error that is not ErrUnauthenticated", err)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("Verify = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestNameIsDeterministicAndValid(t *testing.T) {
	base := Timer{SessionID: "chat/42 é", Kind: session.TimerInactivityEnd, Generation: 3, Due: time.Now()}
	later := base
	later.Due = base.Due.Add(time.Hour)
	if Name(base) != Name(later) {
		t.Errorf("Name depends on Due: %q vs %q", Name(base), Name(later))
	}
	distinct := []Timer{
		base,
		{SessionID: "chat_42__", Kind: base.Kind, Generation: 3}, // same sanitized text
		{SessionID: base.SessionID, Kind: session.TimerInactivityWarn, Generation: 3},
		{SessionID: base.SessionID, Kind: base.Kind, Generation: 4},
		{SessionID: base.SessionID, Kind: base.Kind, Generation: -1},
		{SessionID: strings.Repeat("s", 2000), Kind: strings.Repeat("k", 2000), Generation: 1 << 40},
		{SessionID: strings.Repeat("s", 2000) + "x", Kind: strings.Repeat("k", 2000), Generation: 1 << 40},
	}
	seen := map[string]int{}
	for i, tm := range distinct {
		n := Name(tm)
		if j, ok := seen[n]; ok {
			t.Errorf("timers %d and %d share name %q", j, i, n)
		}
		seen[n] = i
		if len(n) == 0 || len(n) > 500 {
			t.Errorf("Name(%d) has length %d", i, len(n))
		}
		for _, r := range n {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				t.Errorf("Name(%d) = %q has %q", i, n, r)
				break
			}
		}
	}
	if want := "chat_42__-inactivity-end-g3"; !strings.HasSuffix(Name(base), want) {
		t.Errorf("Name = %q, want it readable, ending %q", Name(base), want)
	}
}
