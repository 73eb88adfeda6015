package media

import (
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/storage"
)

const (
	// DefaultURLTTL is how long a signed URL lives when no ttl is given.
	DefaultURLTTL = 15 * time.Minute
	// MaxURLTTL is the longest life of a V4 signed URL.
	MaxURLTTL = 7 * 24 * time.Hour
)

// SignOption adjusts the options a URL is signed with, most often the
// signing identity.
type SignOption func(*storage.SignedURLOptions)

// WithPrivateKey signs as the service account googleAccessID (its e-mail)
// with its PEM-encoded RSA private key.
func WithPrivateKey(googleAccessID string, pemKey []byte) SignOption {
	return func(o *storage.SignedURLOptions) {
		o.GoogleAccessID, o.PrivateKey, o.SignBytes = googleAccessID, pemKey, nil
	}
}

// WithSignBytes signs as googleAccessID with sign, which returns the
// RSA-SHA256 signature of its input (for example through the IAM
// Credentials signBlob API).
func WithSignBytes(googleAccessID string, sign func([]byte) ([]byte, error)) SignOption {
	return func(o *storage.SignedURLOptions) {
		o.GoogleAccessID, o.SignBytes, o.PrivateKey = googleAccessID, sign, nil
	}
}

// SignedURL returns a V4 signed URL that lets its holder GET object for ttl
// (DefaultURLTTL when ttl is 0, at most MaxURLTTL). Without a signing
// option the bucket's client credentials sign: a service-account key, or
// on Google Cloud the runtime service account through IAM signBlob.
func SignedURL(bucket *storage.BucketHandle, object string, ttl time.Duration, opts ...SignOption) (string, error) {
	switch {
	case bucket == nil:
		return "", errors.New("media: SignedURL without a bucket")
	case object == "":
		return "", errors.New("media: SignedURL without an object name")
	case ttl < 0 || ttl > MaxURLTTL:
		return "", fmt.Errorf("media: signed URL lifetime %v is not between 0 and %v", ttl, MaxURLTTL)
	case ttl == 0:
		ttl = DefaultURLTTL
	}
	o := &storage.SignedURLOptions{
		Scheme: storage.SigningSchemeV4,
		Method: "GET",
	}
	for _, opt := range opts {
		opt(o)
	}
	// The URL carries its life in whole seconds, counted from the signing
	// time the library takes a moment later: half a second of slack keeps
	// X-Goog-Expires at ttl instead of ttl-1.
	if ttl = ttl.Round(time.Second); ttl < time.Second {
		ttl = time.Second
	}
	o.Expires = time.Now().Add(ttl + 500*time.Millisecond)
	u, err := bucket.SignedURL(object, o)
	if err != nil {
		return "", fmt.Errorf("media: sign URL for gs://%s/%s: %w", bucket.BucketName(), object, err)
	}
	return u, nil
}
