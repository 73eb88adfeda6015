package media

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/url"
	"strings"
	"testing"
	"time"
)

const signer = "media-signer@smsdesk-test.iam.gserviceaccount.com"

func TestSignedURLWithPrivateKey(t *testing.T) {
	e := newEnv(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})

	before := time.Now().UTC().Truncate(time.Second)
	raw, err := SignedURL(e.bucket, "media/MM123/0.jpg", 10*time.Minute, WithPrivateKey(signer, pemKey))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if !strings.HasSuffix(u.Path, "/"+testBucket+"/media/MM123/0.jpg") {
		t.Errorf("path %q", u.Path)
	}
	if q.Get("X-Goog-Algorithm") != "GOOG4-RSA-SHA256" || !strings.HasPrefix(q.Get("X-Goog-Credential"), signer+"/") {
		t.Errorf("not a V4 URL signed by %s: %s", signer, raw)
	}
	if q.Get("X-Goog-Expires") != "600" {
		t.Errorf("X-Goog-Expires = %q, want 600", q.Get("X-Goog-Expires"))
	}
	signedAt, err := time.Parse("20060102T150405Z", q.Get("X-Goog-Date"))
	if err != nil || signedAt.Before(before) || signedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("X-Goog-Date %q (%v)", q.Get("X-Goog-Date"), err)
	}
	sig, err := hex.DecodeString(q.Get("X-Goog-Signature"))
	if err != nil || len(sig) != 256 {
		t.Fatalf("X-Goog-Signature %q: %v", q.Get("X-Goog-Signature"), err)
	}
}

func TestSignedURLWithSignBytes(t *testing.T) {
	e := newEnv(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var signed []byte
	sign := func(b []byte) ([]byte, error) {
		signed = append([]byte(nil), b...)
		h := sha256.Sum256(b)
		return rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	}
	raw, err := SignedURL(e.bucket, "media/MM123/1.vcf", 0, WithSignBytes(signer, sign))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	q := u.Query()
	if q.Get("X-Goog-Expires") != "900" {
		t.Errorf("default lifetime: X-Goog-Expires = %q, want 900", q.Get("X-Goog-Expires"))
	}
	// The URL carries the signature our signer made over the V4 string to sign.
	sig, err := hex.DecodeString(q.Get("X-Goog-Signature"))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(signed)
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, h[:], sig); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	if !strings.HasPrefix(string(signed), "GOOG4-RSA-SHA256\n"+q.Get("X-Goog-Date")+"\n") {
		t.Errorf("string to sign %q", signed)
	}
}

func TestSignedURLRejects(t *testing.T) {
	e := newEnv(t)
	noop := WithSignBytes(signer, func(b []byte) ([]byte, error) { return []byte{1}, nil })
	if _, err := SignedURL(e.bucket, "media/x", 8*24*time.Hour, noop); err == nil {
		t.Error("8 days: no error")
	}
	if _, err := SignedURL(e.bucket, "", time.Minute, noop); err == nil {
		t.Error("no object: no error")
	}
	if _, err := SignedURL(nil, "media/x", time.Minute, noop); err == nil {
		t.Error("no bucket: no error")
	}
	if _, err := SignedURL(e.bucket, "media/x", MaxURLTTL, noop); err != nil {
		t.Errorf("7 days: %v", err)
	}
}
