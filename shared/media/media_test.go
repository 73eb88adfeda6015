package media

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

const (
	testSID    = "AC0123456789abcdef0123456789abcdef"
	testToken  = "secrettoken0123456789"
	business   = "+18005550100"
	consumer   = "+15551230001"
	testBucket = "smsdesk-media-test"
)

// env is one test's carrier simulator, webhook receiver and fake GCS.
type env struct {
	sim    *carriersim.Sim
	simURL string
	hooks  chan url.Values
	gcs    *fakestorage.Server
	bucket *storage.BucketHandle
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{hooks: make(chan url.Values, 16)}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("webhook: %v", err)
		}
		e.hooks <- r.PostForm
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, "<Response/>")
	}))
	t.Cleanup(hook.Close)

	e.sim = carriersim.New(carriersim.Options{AccountSID: testSID, AuthToken: testToken, WebhookURL: hook.URL + "/inbound"})
	srv := httptest.NewServer(e.sim)
	e.sim.SetBaseURL(srv.URL)
	e.simURL = srv.URL
	t.Cleanup(func() { e.sim.Close(); srv.Close() })

	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gcs.Stop)
	gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: testBucket})
	e.gcs = gcs
	e.bucket = gcs.Client().Bucket(testBucket)
	return e
}

func (e *env) copier() *Copier {
	return &Copier{
		HTTP:       &http.Client{Timeout: 10 * time.Second},
		APIURL:     e.simURL,
		AccountSID: testSID, AuthToken: testToken,
		Bucket: e.bucket, Policy: DefaultPolicy(),
	}
}

// sendMMS has the simulator deliver an MMS and returns the message SID and
// the media items as the webhook received them.
func (e *env) sendMMS(t *testing.T, media ...carriersim.Media) (string, []Item) {
	t.Helper()
	res, err := e.sim.SendInbound(context.Background(), carriersim.Inbound{From: consumer, To: business, Body: "see attached", Media: media})
	if err != nil {
		t.Fatal(err)
	}
	var v url.Values
	select {
	case v = <-e.hooks:
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook within 5s")
	}
	if v.Get("MessageSid") != res.MessageSID {
		t.Fatalf("webhook for %q, sent %q", v.Get("MessageSid"), res.MessageSID)
	}
	n, err := strconv.Atoi(v.Get("NumMedia"))
	if err != nil || n != len(media) {
		t.Fatalf("NumMedia %q, sent %d", v.Get("NumMedia"), len(media))
	}
	items := make([]Item, n)
	for i := range items {
		items[i] = Item{URL: v.Get(fmt.Sprintf("MediaUrl%d", i)), ContentType: v.Get(fmt.Sprintf("MediaContentType%d", i))}
	}
	return res.MessageSID, items
}

func (e *env) objects(t *testing.T) []fakestorage.ObjectAttrs {
	t.Helper()
	objs, _, err := e.gcs.ListObjects(testBucket, "", "", false)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// getWithAuth fetches a media URL as the carrier's customer would.
func getWithAuth(t *testing.T, u, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.SetBasicAuth(testSID, token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var vcard = []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nTEL:+15551230001\r\nEND:VCARD\r\n")

func TestCopyJPEGAndVCard(t *testing.T) {
	e := newEnv(t)
	jpg := carriersim.Placeholder("image/jpeg")
	sid, items := e.sendMMS(t,
		carriersim.Media{ContentType: "image/jpeg", Data: jpg},
		carriersim.Media{ContentType: "text/vcard", Data: vcard})

	stored, refused, err := e.copier().Copy(context.Background(), sid, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != 0 {
		t.Fatalf("refused: %+v", refused)
	}
	want := []Stored{
		{Object: "media/" + sid + "/0.jpg", ContentType: "image/jpeg", Size: int64(len(jpg))},
		{Object: "media/" + sid + "/1.vcf", ContentType: "text/vcard", Size: int64(len(vcard))},
	}
	if fmt.Sprint(stored) != fmt.Sprint(want) {
		t.Fatalf("stored %+v\nwant   %+v", stored, want)
	}
	for i, data := range [][]byte{jpg, vcard} {
		obj, err := e.gcs.GetObject(testBucket, want[i].Object)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(obj.Content, data) || obj.ContentType != want[i].ContentType {
			t.Errorf("%s: %q %q", want[i].Object, obj.ContentType, obj.Content)
		}
		if obj.Metadata["message-sid"] != sid {
			t.Errorf("%s: metadata %v", want[i].Object, obj.Metadata)
		}
		// Read back through the storage client too.
		r, err := e.bucket.Object(want[i].Object).NewReader(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(got, data) {
			t.Errorf("%s read back %q", want[i].Object, got)
		}
	}
	if n := e.sim.MediaCount(); n != 2 {
		t.Errorf("carrier keeps %d media without DeleteAtCarrier, want 2", n)
	}
}

func TestRefusedByPolicy(t *testing.T) {
	e := newEnv(t)
	bigGIF := append([]byte("GIF89a"), bytes.Repeat([]byte{0}, 5<<20)...) // 5 MB + 6 bytes
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	bigVCard := append(append([]byte(nil), vcard...), bytes.Repeat([]byte("NOTE:x\r\n"), 70_000)...) // ~560 KB
	sid, items := e.sendMMS(t,
		carriersim.Media{ContentType: "image/gif", Data: bigGIF},
		carriersim.Media{ContentType: "application/pdf", Data: pdf},
		carriersim.Media{ContentType: "text/vcard", Data: bigVCard})

	stored, refused, err := e.copier().Copy(context.Background(), sid, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 0 {
		t.Fatalf("stored %+v", stored)
	}
	if len(refused) != 3 {
		t.Fatalf("refused %+v", refused)
	}
	for i, want := range []struct{ ct, reason string }{
		{"image/gif", "larger than 5 MB, the limit for image/gif"},
		{"application/pdf", "content type application/pdf is not accepted"},
		{"text/vcard", "larger than 500 KB, the limit for text/vcard"},
	} {
		r := refused[i]
		if r.URL != items[i].URL || r.ContentType != want.ct || r.Reason != want.reason {
			t.Errorf("refused[%d] = %+v, want %s %q", i, r, want.ct, want.reason)
		}
	}
	if objs := e.objects(t); len(objs) != 0 {
		t.Fatalf("objects stored: %+v", objs)
	}
	if n := e.sim.MediaCount(); n != 3 {
		t.Errorf("refused media must stay at the carrier: %d left", n)
	}
}

func TestRefusedOverMessageTotal(t *testing.T) {
	e := newEnv(t)
	a := append([]byte("\xff\xd8\xff"), bytes.Repeat([]byte{1}, 3<<20)...)
	b := append([]byte("\x89PNG"), bytes.Repeat([]byte{2}, 3<<20)...)
	small := carriersim.Placeholder("image/gif")
	sid, items := e.sendMMS(t,
		carriersim.Media{ContentType: "image/jpeg", Data: a},
		carriersim.Media{ContentType: "image/png", Data: b},
		carriersim.Media{ContentType: "image/gif", Data: small})

	stored, refused, err := e.copier().Copy(context.Background(), sid, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || stored[0].Object != "media/"+sid+"/0.jpg" || stored[1].Object != "media/"+sid+"/2.gif" {
		t.Fatalf("stored %+v", stored)
	}
	if len(refused) != 1 || refused[0].URL != items[1].URL || !strings.Contains(refused[0].Reason, "5 MB in all") {
		t.Fatalf("refused %+v", refused)
	}
}

func TestContentTypeMustAgree(t *testing.T) {
	e := newEnv(t)
	sid, items := e.sendMMS(t, carriersim.Media{ContentType: "image/jpeg", Data: carriersim.Placeholder("image/jpeg")})
	items[0].ContentType = "image/png" // the webhook and the carrier disagree
	stored, refused, err := e.copier().Copy(context.Background(), sid, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 0 || len(refused) != 1 || refused[0].Reason != "carrier served image/jpeg, the webhook said image/png" {
		t.Fatalf("stored %+v refused %+v", stored, refused)
	}
	if objs := e.objects(t); len(objs) != 0 {
		t.Fatalf("objects stored: %+v", objs)
	}
}

func TestRedeliveryStoresOnce(t *testing.T) {
	e := newEnv(t)
	sid, items := e.sendMMS(t,
		carriersim.Media{ContentType: "image/png", Data: carriersim.Placeholder("image/png")},
		carriersim.Media{ContentType: "text/x-vcard", Data: vcard})
	c := e.copier()
	first, _, err := c.Copy(context.Background(), sid, items)
	if err != nil {
		t.Fatal(err)
	}
	gens := map[string]int64{}
	for _, s := range first {
		o, err := e.gcs.GetObject(testBucket, s.Object)
		if err != nil {
			t.Fatal(err)
		}
		gens[s.Object] = o.Generation
	}

	// Count the carrier fetches of the second delivery: there must be none.
	var fetches atomic.Int32
	c.HTTP = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		fetches.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	second, refused, err := c.Copy(context.Background(), sid, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != 0 || fmt.Sprint(second) != fmt.Sprint(first) {
		t.Fatalf("second copy %+v %+v, first %+v", second, refused, first)
	}
	if n := fetches.Load(); n != 0 {
		t.Errorf("redelivery fetched %d times from the carrier", n)
	}
	objs := e.objects(t)
	if len(objs) != 2 {
		t.Fatalf("objects: %+v", objs)
	}
	for _, o := range objs {
		if gens[o.Name] != o.Generation {
			t.Errorf("%s rewritten: generation %d → %d", o.Name, gens[o.Name], o.Generation)
		}
	}
	if first[1].Object != "media/"+sid+"/1.vcf" || first[1].ContentType != "text/x-vcard" {
		t.Errorf("vcard stored as %+v", first[1])
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestDeleteAtCarrier(t *testing.T) {
	e := newEnv(t)
	sid, items := e.sendMMS(t,
		carriersim.Media{ContentType: "image/jpeg", Data: carriersim.Placeholder("image/jpeg")},
		carriersim.Media{ContentType: "application/pdf", Data: []byte("%PDF-1.4")})
	c := e.copier()
	c.DeleteAtCarrier = true
	stored, refused, err := c.Copy(context.Background(), sid, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || len(refused) != 1 {
		t.Fatalf("stored %+v refused %+v", stored, refused)
	}
	if code := getWithAuth(t, items[0].URL, testToken); code != http.StatusNotFound {
		t.Errorf("copied media still at the carrier: GET answered %d", code)
	}
	if code := getWithAuth(t, items[1].URL, testToken); code != http.StatusOK {
		t.Errorf("refused media must stay at the carrier: GET answered %d", code)
	}
	if n := e.sim.MediaCount(); n != 1 {
		t.Errorf("carrier keeps %d media, want 1", n)
	}
	// Redelivery after the delete: the copy is there, the carrier's 404 on
	// DELETE is no error.
	again, _, err := c.Copy(context.Background(), sid, items)
	if err != nil || fmt.Sprint(again) != fmt.Sprint(stored) {
		t.Fatalf("redelivery: %+v %v", again, err)
	}
}

func TestCredentialsRequired(t *testing.T) {
	e := newEnv(t)
	sid, items := e.sendMMS(t, carriersim.Media{ContentType: "image/jpeg", Data: carriersim.Placeholder("image/jpeg")})
	if code := getWithAuth(t, items[0].URL, ""); code != http.StatusUnauthorized {
		t.Fatalf("media URL without credentials answered %d, want 401", code)
	}
	c := e.copier()
	c.AuthToken = "wrongtoken0000000000"
	stored, refused, err := c.Copy(context.Background(), sid, items)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong token: err %v, stored %+v, refused %+v", err, stored, refused)
	}
	if len(stored)+len(refused) != 0 || len(e.objects(t)) != 0 {
		t.Fatalf("wrong token stored %+v refused %+v", stored, refused)
	}
}

func TestCarrierErrorsAreErrors(t *testing.T) {
	e := newEnv(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>Service Unavailable</html>", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	c := e.copier()
	c.APIURL = down.URL
	items := []Item{{URL: mediaAt(down.URL, testMMS, testME), ContentType: "image/jpeg"}}
	if _, _, err := c.Copy(context.Background(), testMMS, items); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("503: %v", err)
	}
	down.Close()
	if _, _, err := c.Copy(context.Background(), testMMS, items); err == nil {
		t.Fatal("connection refused: no error")
	}
	if _, _, err := c.Copy(context.Background(), "../etc", items); err == nil {
		t.Fatal("bad message SID: no error")
	}
}

// TestStreamsWithLimit checks that an oversized body without Content-Length
// is cut after limit+1 bytes instead of being read whole.
func TestStreamsWithLimit(t *testing.T) {
	e := newEnv(t)
	var sent atomic.Int64
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/vcard")
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for i := 0; i < 1024; i++ { // up to 32 MB, chunked
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(endless.Close)
	c := e.copier()
	c.APIURL = endless.URL
	_, refused, err := c.Copy(context.Background(), testMMS, []Item{{URL: mediaAt(endless.URL, testMMS, testME), ContentType: "text/vcard"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != 1 || !strings.Contains(refused[0].Reason, "500 KB") {
		t.Fatalf("refused %+v", refused)
	}
	endless.CloseClientConnections()
	if n := sent.Load(); n > 8<<20 {
		t.Errorf("server wrote %d bytes: the copier read far past its limit", n)
	}
}

// TestConcurrentDeliveries checks the create-if-absent write: two deliveries
// of one message racing each other leave one copy and no error.
func TestConcurrentDeliveries(t *testing.T) {
	e := newEnv(t)
	sid, items := e.sendMMS(t, carriersim.Media{ContentType: "image/gif", Data: carriersim.Placeholder("image/gif")})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, _, err := e.copier().Copy(context.Background(), sid, items)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if objs := e.objects(t); len(objs) != 1 {
		t.Fatalf("objects %+v", objs)
	}

	// The write itself keeps an object another delivery created first.
	obj := e.bucket.Object("media/" + sid + "/0.gif")
	if err := e.copier().write(context.Background(), obj, "image/gif", sid, 0, []byte("other bytes")); err != nil {
		t.Fatalf("write over an existing object: %v", err)
	}
	got, err := e.gcs.GetObject(testBucket, "media/"+sid+"/0.gif")
	if err != nil || !bytes.Equal(got.Content, carriersim.Placeholder("image/gif")) {
		t.Fatalf("existing object changed: %q %v", got.Content, err)
	}
}
