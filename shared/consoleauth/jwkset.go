package consoleauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// JWKSet is a KeySource that fetches a JWK set of P-256 keys (IAP's) over HTTP and keeps it
// an hour; a key id it does not know makes it fetch again, at most once a minute, so that a
// key IAP has just started using is found without letting bad tokens flood the key server.
type JWKSet struct {
	URL    string
	Client *http.Client // nil: http.DefaultClient

	mu      sync.Mutex
	keys    map[string]*ecdsa.PublicKey
	fetched time.Time
}

const (
	jwkKeep     = time.Hour
	jwkMinFetch = time.Minute
)

// Key returns the key with id kid.
func (j *JWKSet) Key(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	age := time.Since(j.fetched)
	k, ok := j.keys[kid]
	if ok && age < jwkKeep {
		return k, nil
	}
	if j.keys == nil || age >= jwkKeep || (!ok && age >= jwkMinFetch) {
		keys, err := j.fetch(ctx)
		if err != nil {
			if ok {
				return k, nil // the key server is down: the key we had still verifies
			}
			return nil, err
		}
		j.keys, j.fetched = keys, time.Now()
		if k, ok = keys[kid]; ok {
			return k, nil
		}
	}
	return nil, fmt.Errorf("no IAP key %.40q", kid)
}

func (j *JWKSet) fetch(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("IAP keys %s: %w", j.URL, err)
	}
	c := j.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch IAP keys %s: %w", j.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch IAP keys %s: %s", j.URL, resp.Status)
	}
	var set struct {
		Keys []struct {
			Kid, Kty, Crv, X, Y string
		} `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode IAP keys %s: %w", j.URL, err)
	}
	out := map[string]*ecdsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "EC" || k.Crv != "P-256" {
			continue
		}
		x, errX := base64.RawURLEncoding.DecodeString(k.X)
		y, errY := base64.RawURLEncoding.DecodeString(k.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			continue
		}
		// Parsing the uncompressed point checks that it is on the curve.
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			continue
		}
		out[k.Kid] = pub
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("IAP keys %s: no P-256 key in the set", j.URL)
	}
	return out, nil
}
