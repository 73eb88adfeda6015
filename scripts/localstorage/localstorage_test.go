package localstorage

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"

	"github.com/smsdesk/smsdesk/shared/media"
)

const bucket = "local-media"

var png = []byte("\x89PNG\r\n\x1a\n not really a png")

// serve starts a Server behind an HTTP listener, with one object stored.
func serve(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	var s *Server
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	s, err := New(ts.URL, bucket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	s.CreateObject(fakestorage.Object{
		ObjectAttrs: fakestorage.ObjectAttrs{BucketName: bucket, Name: "media/SM1/0.png", ContentType: "image/png"},
		Content:     png,
	})
	return s, ts
}

func sign(t *testing.T, s *Server, object string) string {
	t.Helper()
	u, err := media.SignedURL(s.Client().Bucket(bucket), object, media.DefaultURLTTL, s.SignOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func get(t *testing.T, u string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

func TestSignedURLServesTheObject(t *testing.T) {
	s, ts := serve(t)
	u := sign(t, s, "media/SM1/0.png")
	if !strings.HasPrefix(u, ts.URL+"/"+bucket+"/media/SM1/0.png?") {
		t.Fatalf("signed URL %s is not on the local server %s", u, ts.URL)
	}
	code, ct, body := get(t, u)
	if code != http.StatusOK || ct != "image/png" || !bytes.Equal(body, png) {
		t.Fatalf("GET signed URL = %d %q %q", code, ct, body)
	}
}

func TestExpiredURLIsRefused(t *testing.T) {
	s, _ := serve(t)
	u := sign(t, s, "media/SM1/0.png")
	s.now = func() time.Time { return time.Now().Add(media.DefaultURLTTL + time.Second) }
	if code, _, body := get(t, u); code != http.StatusBadRequest || !strings.Contains(string(body), "ExpiredToken") {
		t.Fatalf("expired URL = %d %s", code, body)
	}
	s.now = func() time.Time { return time.Now().Add(media.DefaultURLTTL - 5*time.Second) }
	if code, _, _ := get(t, u); code != http.StatusOK {
		t.Fatalf("URL just before its expiry = %d", code)
	}
}

func TestTamperedURLIsRefused(t *testing.T) {
	s, ts := serve(t)
	s.CreateObject(fakestorage.Object{
		ObjectAttrs: fakestorage.ObjectAttrs{BucketName: bucket, Name: "media/SM2/0.jpg", ContentType: "image/jpeg"},
		Content:     []byte("someone else's photo"),
	})
	good := sign(t, s, "media/SM1/0.png")
	other, err := New(ts.URL, bucket) // another key, as another deployment's would be
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Stop)

	change := func(key, value string) string {
		u, _ := url.Parse(good)
		q := u.Query()
		if value == "" {
			q.Del(key)
		} else {
			q.Set(key, value)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	q, _ := url.Parse(good)
	sig := q.Query().Get("X-Goog-Signature")
	last := "0"
	if strings.HasSuffix(sig, "0") {
		last = "1"
	}
	flipped := sig[:len(sig)-1] + last
	for name, u := range map[string]string{
		"signature changed":       change("X-Goog-Signature", flipped),
		"no signature":            change("X-Goog-Signature", ""),
		"another object":          strings.Replace(good, "media/SM1/0.png", "media/SM2/0.jpg", 1),
		"longer life":             change("X-Goog-Expires", "604800"),
		"signed later":            change("X-Goog-Date", time.Now().UTC().Add(30*time.Second).Format(dateLayout)),
		"another signer":          change("X-Goog-Credential", "someone@else/"+time.Now().UTC().Format("20060102")+"/auto/storage/goog4_request"),
		"signed with another key": sign(t, other, "media/SM1/0.png"),
		"unsigned":                ts.URL + "/" + bucket + "/media/SM1/0.png",
	} {
		code, _, body := get(t, u)
		if code != http.StatusForbidden || bytes.Contains(body, png) {
			t.Errorf("%s: GET = %d %s, want 403", name, code, body)
		}
	}
	if code, _, _ := get(t, strings.Replace(good, "/"+bucket+"/", "/another-bucket/", 1)); code != http.StatusNotFound {
		t.Errorf("bucket not served = %d, want 404", code)
	}
	req, _ := http.NewRequest(http.MethodDelete, good, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE = %d, want 405", resp.StatusCode)
	}
}
