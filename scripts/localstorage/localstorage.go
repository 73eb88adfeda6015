// Package localstorage stands in for Cloud Storage in local runs. An in-process
// fake-gcs-server holds the buckets (there is no gcloud emulator for Cloud Storage), and
// Server answers the V4 signed URLs smsdesk hands agents the way storage.googleapis.com
// does: it checks the signature and the expiry, then serves the object's bytes with its
// content type. The URLs are signed with a throwaway key for the Server's own address, so a
// link from the agent API opens in a browser on the developer's machine.
package localstorage

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"

	"github.com/smsdesk/smsdesk/shared/media"
)

// AccessID is the service account the local URLs are signed as.
const AccessID = "smsdesk-local@localhost"

const (
	algorithm  = "GOOG4-RSA-SHA256"
	dateLayout = "20060102T150405Z"
	// maxSkew is how far in the future a URL's signing time may be (clocks disagree).
	maxSkew = time.Minute
)

// Server is the local Cloud Storage: the fake server's client writes objects, and ServeHTTP
// answers signed URLs of the buckets it was made with.
type Server struct {
	*fakestorage.Server
	base    *url.URL
	buckets map[string]bool
	key     *rsa.PrivateKey
	pemKey  []byte
	now     func() time.Time
}

// New starts a local Cloud Storage with the buckets, whose signed URLs point at base (the
// scheme and host where ServeHTTP is reachable, e.g. http://127.0.0.1:8080).
func New(base string, buckets ...string) (*Server, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("localstorage: base %q is not a URL like http://127.0.0.1:8080", base)
	}
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	if err != nil {
		return nil, fmt.Errorf("local storage server: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("media signing key: %w", err)
	}
	s := &Server{
		Server: gcs, base: u, buckets: map[string]bool{}, key: key, now: time.Now,
		pemKey: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
	}
	for _, b := range buckets {
		gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b})
		s.buckets[b] = true
	}
	return s, nil
}

// SignOptions sign media URLs with the Server's key, for its address, path style
// (base/bucket/object).
func (s *Server) SignOptions() []media.SignOption {
	return []media.SignOption{
		media.WithPrivateKey(AccessID, s.pemKey),
		func(o *storage.SignedURLOptions) {
			o.Hostname, o.Insecure, o.Style = s.base.Host, s.base.Scheme == "http", storage.PathStyle()
		},
	}
}

// ServeHTTP answers GET /{bucket}/{object}?X-Goog-... with the object when the URL carries a
// valid, unexpired V4 signature of this Server, and with Cloud Storage's errors otherwise.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		storageError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Only signed GET requests are served.")
		return
	}
	bucket, object, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || !s.buckets[bucket] || object == "" {
		storageError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist.")
		return
	}
	if status, code, msg := s.verify(r); status != 0 {
		storageError(w, status, code, msg)
		return
	}
	obj, err := s.GetObject(bucket, object)
	if err != nil {
		storageError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	w.Header().Set("Content-Type", obj.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(obj.Content)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=0")
	_, _ = w.Write(obj.Content)
}

// verify checks r's V4 query signature as Cloud Storage does: the canonical request (method,
// path, every query parameter but the signature, the host header) hashed into the string to
// sign, RSA-SHA256 with the Server's key, within X-Goog-Expires of X-Goog-Date. It returns
// the HTTP status, error code and message of a refusal, or 0.
func (s *Server) verify(r *http.Request) (int, string, string) {
	q := r.URL.Query()
	sig, err := hex.DecodeString(q.Get("X-Goog-Signature"))
	if q.Get("X-Goog-Algorithm") != algorithm || len(sig) == 0 || err != nil {
		return http.StatusForbidden, "AccessDenied", "Anonymous caller does not have storage.objects.get access."
	}
	date, err := time.Parse(dateLayout, q.Get("X-Goog-Date"))
	if err != nil {
		return http.StatusBadRequest, "AuthorizationQueryParametersError", "X-Goog-Date is not a date like 20060102T150405Z."
	}
	expires, err := strconv.Atoi(q.Get("X-Goog-Expires"))
	if err != nil || expires < 1 || expires > int(media.MaxURLTTL/time.Second) {
		return http.StatusBadRequest, "AuthorizationQueryParametersError", "X-Goog-Expires must be between 1 and 604800 seconds."
	}
	scope := date.Format("20060102") + "/auto/storage/goog4_request"
	if q.Get("X-Goog-Credential") != AccessID+"/"+scope || q.Get("X-Goog-SignedHeaders") != "host" {
		return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
	}
	now := s.now()
	switch {
	case now.Add(maxSkew).Before(date):
		return http.StatusBadRequest, "AuthorizationQueryParametersError", "X-Goog-Date is in the future."
	case !now.Before(date.Add(time.Duration(expires) * time.Second)):
		return http.StatusBadRequest, "ExpiredToken", "The provided token has expired."
	}
	q.Del("X-Goog-Signature")
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h // the signed host header has no port
	}
	canonical := strings.Join([]string{
		r.Method,
		"/" + pathEncodeV4(strings.TrimPrefix(r.URL.Path, "/")),
		strings.ReplaceAll(q.Encode(), "+", "%20"),
		"host:" + host, "",
		"host",
		"UNSIGNED-PAYLOAD",
	}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	toSign := sha256.Sum256([]byte(algorithm + "\n" + q.Get("X-Goog-Date") + "\n" + scope + "\n" + hex.EncodeToString(sum[:])))
	if rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, toSign[:], sig) != nil {
		return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
	}
	return 0, "", ""
}

// pathEncodeV4 escapes each path segment as the V4 canonical request wants (what the
// storage library signs).
func pathEncodeV4(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
	}
	return strings.Join(segs, "/")
}

// storageError answers as Cloud Storage's XML API does.
func storageError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>%s</Code><Message>%s</Message></Error>", code, msg)
}
