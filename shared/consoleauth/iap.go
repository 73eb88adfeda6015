package consoleauth

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// IAPHeader is where Identity-Aware Proxy puts its signed assertion of who is signed in.
const IAPHeader = "x-goog-iap-jwt-assertion"

// IAPIssuer is the issuer of IAP's assertions.
const IAPIssuer = "https://cloud.google.com/iap"

// GoogleIAPKeysURL serves the public keys IAP signs its assertions with, as a JWK set.
const GoogleIAPKeysURL = "https://www.gstatic.com/iap/verify/public_key-jwk"

// KeySource finds the public key IAP signed with, by its key id.
type KeySource interface {
	Key(ctx context.Context, kid string) (*ecdsa.PublicKey, error)
}

// IAP verifies Identity-Aware Proxy's signed header: an ES256 JWT whose audience is the
// console's backend service, from IAP's issuer, unexpired, signed by one of IAP's keys.
type IAP struct {
	// Audience is /projects/NUMBER/global/backendServices/ID (SMSDESK_IAP_AUDIENCE).
	Audience string
	Keys     KeySource        // nil: Google's keys, fetched and cached (JWKSet)
	Now      func() time.Time // nil: time.Now
}

// NewIAP is IAP sign-in for audience with Google's keys, or nil (off) when audience is "".
func NewIAP(audience string) *IAP {
	if audience == "" {
		return nil
	}
	return &IAP{Audience: audience, Keys: &JWKSet{URL: GoogleIAPKeysURL}}
}

// Email verifies an assertion and returns the email of the Google account it names,
// lower-cased.
func (i *IAP) Email(ctx context.Context, assertion string) (string, error) {
	if i.Audience == "" {
		return "", errors.New("IAP assertion: no audience configured")
	}
	if len(assertion) > 8<<10 {
		return "", errors.New("IAP assertion: over 8 KiB")
	}
	keys := i.Keys
	if keys == nil {
		keys = &JWKSet{URL: GoogleIAPKeysURL}
	}
	now := i.Now
	if now == nil {
		now = time.Now
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(assertion, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no key id")
		}
		return keys.Key(ctx, kid)
	},
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(i.Audience), jwt.WithIssuer(IAPIssuer),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(30*time.Second), jwt.WithTimeFunc(now))
	if err != nil {
		return "", fmt.Errorf("IAP assertion: %w", err)
	}
	email, _ := claims["email"].(string)
	// A service account's or a workforce identity's email is prefixed, "accounts.google.com:".
	email = strings.ToLower(strings.TrimPrefix(email, "accounts.google.com:"))
	if email == "" || !strings.Contains(email, "@") {
		return "", errors.New("IAP assertion: no email claim")
	}
	return email, nil
}
