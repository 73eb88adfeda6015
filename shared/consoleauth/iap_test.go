package consoleauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testAudience = "/projects/123456/global/backendServices/987654"

// staticKeys is a KeySource of locally generated keys.
type staticKeys map[string]*ecdsa.PublicKey

func (k staticKeys) Key(_ context.Context, kid string) (*ecdsa.PublicKey, error) {
	if p, ok := k[kid]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("no key %q", kid)
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// assertion is an IAP header as IAP would sign it, with mod changing its claims.
func assertion(t *testing.T, key *ecdsa.PrivateKey, now time.Time, mod func(jwt.MapClaims)) string {
	t.Helper()
	claims := jwt.MapClaims{
		"iss": IAPIssuer, "aud": testAudience, "email": "Ana@Example.com", "sub": "accounts.google.com:1234",
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(),
	}
	if mod != nil {
		mod(claims)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = "iap-key-1"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func iapRequest(a string) *http.Request {
	r := httptest.NewRequest("GET", "https://console.example.com/console/", nil)
	r.Header.Set(IAPHeader, a)
	return r
}

func TestIAPHeaderSignsInTheAgentWithThatEmail(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	now := time.Now()
	s, sessions, agents := newService()
	s.IAP = &IAP{Audience: testAudience, Keys: staticKeys{"iap-key-1": &key.PublicKey}}

	a, sess, err := s.Authenticate(ctx, iapRequest(assertion(t, key, now, nil)))
	if err != nil || a.ID != "ana" || sess.AgentID != "ana" || sess.CSRF == "" {
		t.Fatalf("Authenticate = %s, %+v, %v; want ana with a new session", a.ID, sess, err)
	}
	// The browser sends the session's cookie from then on: the same session serves, so the
	// page's CSRF token stays valid, and no session is opened per request.
	r := iapRequest(assertion(t, key, now, nil))
	r.AddCookie(&http.Cookie{Name: CookieName, Value: sess.ID})
	if _, again, err := s.Authenticate(ctx, r); err != nil || again.ID != sess.ID || again.CSRF != sess.CSRF {
		t.Errorf("with the cookie: %+v, %v; want the same session", again, err)
	}
	if sessions.count() != 1 {
		t.Errorf("%d sessions, want 1", sessions.count())
	}

	other := newKey(t)
	for name, bad := range map[string]string{
		"wrong audience": assertion(t, key, now, func(c jwt.MapClaims) { c["aud"] = "/projects/1/global/backendServices/2" }),
		"wrong issuer":   assertion(t, key, now, func(c jwt.MapClaims) { c["iss"] = "https://accounts.google.com" }),
		"expired":        assertion(t, key, now, func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }),
		"no expiry":      assertion(t, key, now, func(c jwt.MapClaims) { delete(c, "exp") }),
		"bad signature":  assertion(t, other, now, nil),
		"unknown email":  assertion(t, key, now, func(c jwt.MapClaims) { c["email"] = "eve@example.com" }),
		"no email":       assertion(t, key, now, func(c jwt.MapClaims) { delete(c, "email") }),
		"not a JWT":      "nonsense",
		"alg none":       unsigned(t, now),
	} {
		if a, _, err := s.Authenticate(ctx, iapRequest(bad)); !errors.Is(err, ErrSignedOut) {
			t.Errorf("%s: Authenticate = %s, %v; want ErrSignedOut", name, a.ID, err)
		}
	}
	agents.disable("ana")
	if _, _, err := s.Authenticate(ctx, iapRequest(assertion(t, key, now, nil))); !errors.Is(err, ErrSignedOut) {
		t.Errorf("disabled agent: %v, want ErrSignedOut", err)
	}
}

func TestIAPOffIgnoresTheHeader(t *testing.T) {
	key := newKey(t)
	s, _, _ := newService()
	if NewIAP("") != nil {
		t.Fatal("NewIAP(\"\") is not nil: IAP would be on with no audience")
	}
	if _, _, err := s.Authenticate(context.Background(), iapRequest(assertion(t, key, time.Now(), nil))); !errors.Is(err, ErrSignedOut) {
		t.Errorf("IAP off: Authenticate = %v, want ErrSignedOut (only cookies count)", err)
	}
}

// unsigned is an assertion with alg none, which must never verify.
func unsigned(t *testing.T, now time.Time) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": IAPIssuer, "aud": testAudience, "email": "ana@example.com", "exp": now.Add(time.Hour).Unix()})
	tok.Header["kid"] = "iap-key-1"
	s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWKSetFetchesOverHTTPAndCaches(t *testing.T) {
	key := newKey(t)
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		b := key.PublicKey.Bytes // uncompressed point: 0x04 || X || Y
		raw, err := b()
		if err != nil {
			t.Error(err)
		}
		enc := base64.RawURLEncoding.EncodeToString
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{
			{"kid": "iap-key-1", "kty": "EC", "crv": "P-256", "alg": "ES256", "x": enc(raw[1:33]), "y": enc(raw[33:])},
			{"kid": "rsa", "kty": "RSA", "n": "AQAB", "e": "AQAB"},
		}})
	}))
	defer srv.Close()
	iap := &IAP{Audience: testAudience, Keys: &JWKSet{URL: srv.URL, Client: srv.Client()}}
	for i := 0; i < 3; i++ {
		email, err := iap.Email(context.Background(), assertion(t, key, time.Now(), nil))
		if err != nil || email != "ana@example.com" {
			t.Fatalf("Email = %q, %v; want ana@example.com, lower-cased", email, err)
		}
	}
	// An unknown key id right after a fetch does not make it fetch again.
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"iss": IAPIssuer, "aud": testAudience, "exp": time.Now().Add(time.Hour).Unix()})
	tok.Header["kid"] = "unknown"
	s, _ := tok.SignedString(key)
	if _, err := iap.Email(context.Background(), s); err == nil {
		t.Error("an unknown key id verified")
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("keys fetched %d times, want once (cached)", n)
	}
}
