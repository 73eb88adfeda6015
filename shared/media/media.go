// Package media copies MMS attachments from the carrier into Cloud Storage
// and hands agents short-lived signed URLs to them.
//
// The carrier (Twilio) serves each inbound media item behind HTTP basic auth
// (account SID, auth token) at a URL that redirects to a CDN. Copier fetches
// only the URLs of the message's own media on the carrier's API host, sends
// the credentials there and nowhere else (not to the CDN), checks each item's
// content type and size against a Policy, writes it to
// "media/{messageSID}/{index}{ext}" and can then delete the carrier's copy.
// Items kept out come back as Refused with a reason a transcript can show;
// only transport and storage failures are errors, so the caller can retry
// the whole message safely.
package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
)

// MaxItems is the most media items one MMS carries.
const MaxItems = 10

const (
	kb = 1 << 10
	mb = 1 << 20

	// DefaultMaxTotal is the carrier's limit for all media of one message.
	DefaultMaxTotal int64 = 5 * mb
)

// Policy says which content types are kept and how large they may be.
type Policy struct {
	// Allowed maps a content type (lower case, without parameters) to the
	// largest item of that type, in bytes. A type not listed is refused.
	Allowed map[string]int64
	// MaxTotal caps the bytes of all items of one message; 0 means
	// DefaultMaxTotal.
	MaxTotal int64
}

// DefaultPolicy returns the carrier's MMS limits: JPEG, PNG and GIF up to
// 5 MB, the other commonly supported types up to 500 KB, 5 MB in all.
func DefaultPolicy() Policy {
	return Policy{
		Allowed: map[string]int64{
			"image/jpeg":   5 * mb,
			"image/png":    5 * mb,
			"image/gif":    5 * mb,
			"image/webp":   500 * kb,
			"video/mp4":    500 * kb,
			"video/3gpp":   500 * kb,
			"audio/mpeg":   500 * kb,
			"audio/amr":    500 * kb,
			"audio/mp4":    500 * kb,
			"text/vcard":   500 * kb,
			"text/x-vcard": 500 * kb,
		},
		MaxTotal: DefaultMaxTotal,
	}
}

func (p Policy) maxTotal() int64 {
	if p.MaxTotal > 0 {
		return p.MaxTotal
	}
	return DefaultMaxTotal
}

// Item is one media item as the inbound webhook gives it (MediaUrlN,
// MediaContentTypeN).
type Item struct {
	URL, ContentType string
}

// Stored is the copy of an item in Cloud Storage.
type Stored struct {
	Object      string
	ContentType string
	Size        int64
}

// Refused is an item kept out by the policy, with the reason why.
type Refused struct {
	URL, ContentType, Reason string
}

// Copier copies a message's media from the carrier into a bucket. Its
// fields are set once and it is safe for concurrent use.
type Copier struct {
	// HTTP fetches media. Nil means a client with a 30 s timeout. The
	// Copier follows the carrier's redirect to its CDN itself, without the
	// credentials; the CDN's own redirects are left to HTTP.
	HTTP *http.Client
	// APIURL is the carrier's REST API (scheme and host; DefaultAPIURL when
	// empty, a local simulator's in local runs). Media URLs elsewhere are
	// refused unfetched.
	APIURL string
	// AccountSID and AuthToken are the carrier credentials sent with HTTP
	// basic auth to the media URLs of this account.
	AccountSID, AuthToken string
	// Bucket receives the copies.
	Bucket *storage.BucketHandle
	// Policy decides what is kept; the zero Policy refuses everything, so
	// start from DefaultPolicy.
	Policy Policy
	// DeleteAtCarrier deletes each item at the carrier once it is safely
	// stored (the carrier keeps media until it is deleted).
	DeleteAtCarrier bool
}

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

var sidRe = regexp.MustCompile(`^[A-Za-z0-9]{2,64}$`)

// Copy copies the items of message messageSID, in order, to objects
// "media/{messageSID}/{index}{ext}", index being the item's position in the
// webhook. It returns what was stored and what the policy refused (a type
// not allowed, a type that disagrees with the webhook's, an item over its
// size limit or over the message's total); neither is an error.
//
// An object that exists already is kept as is and reported as stored, so a
// redelivered webhook copies nothing twice. err reports a failure worth
// retrying (network, carrier 5xx, storage) or a configuration error (bad
// credentials); stored and refused then hold what was done before it.
//
// Only an item at the carrier's address of this message's media, under
// APIURL and our AccountSID, is fetched (and deleted): any other URL, even in
// a signed webhook, is refused without a request, as the credentials would
// go with it.
func (c *Copier) Copy(ctx context.Context, messageSID string, items []Item) (stored []Stored, refused []Refused, err error) {
	switch {
	case !sidRe.MatchString(messageSID):
		return nil, nil, errors.New("media: message SID is not a carrier SID")
	case c.Bucket == nil:
		return nil, nil, errors.New("media: Copier has no Bucket")
	case c.AccountSID == "" || c.AuthToken == "":
		return nil, nil, errors.New("media: Copier has no carrier credentials")
	}
	api, err := apiOrigin(c.APIURL)
	if err != nil {
		return nil, nil, err
	}
	var total int64
	for i, it := range items {
		if i >= MaxItems {
			refused = append(refused, Refused{it.URL, refusedType(it.ContentType),
				fmt.Sprintf("more than %d media in one message", MaxItems)})
			continue
		}
		u, reason := api.mediaURL(c.AccountSID, messageSID, it.URL)
		var s Stored
		if reason == "" {
			s, reason, err = c.copyOne(ctx, messageSID, i, Item{URL: u, ContentType: it.ContentType}, total)
			if err != nil {
				return stored, refused, err
			}
		}
		if reason != "" {
			refused = append(refused, Refused{it.URL, refusedType(it.ContentType), reason})
			continue
		}
		total += s.Size
		stored = append(stored, s)
	}
	return stored, refused, nil
}

// copyOne copies item index of a message whose earlier items hold total
// bytes; its URL is the carrier's, checked. It returns the stored copy, or a
// reason it was refused, or an error.
func (c *Copier) copyOne(ctx context.Context, messageSID string, index int, it Item, total int64) (Stored, string, error) {
	ct := normalizeType(it.ContentType)
	switch {
	case ct == "":
		return Stored{}, "no content type given", nil
	case refusedType(ct) == "":
		// Not echoed: the reason goes into the transcript.
		return Stored{}, "the content type given is not a media type", nil
	}
	itemMax, ok := c.Policy.Allowed[ct]
	if !ok {
		itemMax, ok = c.Policy.Allowed[canonicalType(ct)]
	}
	if !ok {
		return Stored{}, fmt.Sprintf("content type %s is not accepted", ct), nil
	}
	name := fmt.Sprintf("media/%s/%d%s", messageSID, index, extension(ct))
	obj := c.Bucket.Object(name)

	// Redelivery: the copy exists already.
	if attrs, err := obj.Attrs(ctx); err == nil {
		if err := c.deleteAtCarrier(ctx, it.URL); err != nil {
			return Stored{}, "", err
		}
		return Stored{Object: name, ContentType: attrs.ContentType, Size: attrs.Size}, "", nil
	} else if !errors.Is(err, storage.ErrObjectNotExist) {
		return Stored{}, "", fmt.Errorf("media: look up gs://%s/%s: %w", c.Bucket.BucketName(), name, err)
	}

	left := c.Policy.maxTotal() - total
	limit, overReason := itemMax, fmt.Sprintf("larger than %s, the limit for %s", human(itemMax), ct)
	if left < limit {
		limit, overReason = left, fmt.Sprintf("would take the message's media over %s in all", human(c.Policy.maxTotal()))
	}
	if limit <= 0 {
		return Stored{}, overReason, nil
	}

	resp, err := c.get(ctx, it.URL)
	if err != nil {
		return Stored{}, "", err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return Stored{}, "no longer at the carrier (404)", nil
	case resp.StatusCode != http.StatusOK:
		return Stored{}, "", fmt.Errorf("media: GET %s: carrier answered %s", it.URL, resp.Status)
	}
	got := normalizeType(resp.Header.Get("Content-Type"))
	if canonicalType(got) != canonicalType(ct) {
		return Stored{}, fmt.Sprintf("carrier served %s, the webhook said %s", orNone(got), ct), nil
	}
	if resp.ContentLength > limit {
		return Stored{}, overReason, nil
	}
	// Read at most limit+1 bytes: one more than allowed tells it is too big.
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := io.Copy(&buf, io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return Stored{}, "", fmt.Errorf("media: read %s: %w", it.URL, err)
	}
	if n > limit {
		return Stored{}, overReason, nil
	}

	if err := c.write(ctx, obj, ct, messageSID, index, buf.Bytes()); err != nil {
		return Stored{}, "", err
	}
	if err := c.deleteAtCarrier(ctx, it.URL); err != nil {
		return Stored{}, "", err
	}
	return Stored{Object: name, ContentType: ct, Size: n}, "", nil
}

// write creates obj with data unless it exists already (a concurrent
// delivery of the same message wrote it first).
func (c *Copier) write(ctx context.Context, obj *storage.ObjectHandle, ct, messageSID string, index int, data []byte) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := obj.If(storage.Conditions{DoesNotExist: true}).NewWriter(ctx)
	w.ContentType = ct
	w.ChunkSize = 0 // one request: media is at most a few MB
	w.CRC32C = crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))
	w.SendCRC32C = true
	w.Metadata = map[string]string{"message-sid": messageSID, "index": strconv.Itoa(index)}
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return fmt.Errorf("media: write gs://%s/%s: %w", obj.BucketName(), obj.ObjectName(), err)
	}
	if err := w.Close(); err != nil {
		var gerr *googleapi.Error
		if errors.As(err, &gerr) && gerr.Code == http.StatusPreconditionFailed {
			return nil
		}
		return fmt.Errorf("media: write gs://%s/%s: %w", obj.BucketName(), obj.ObjectName(), err)
	}
	return nil
}

func (c *Copier) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

// request sends an authenticated request to the carrier's API (url is
// checked by mediaURL) and hands back its answer as is, redirects included:
// net/http keeps the Authorization header on a redirect to the same host name
// on another port, or to a subdomain, so no redirect is followed with it.
func (c *Copier) request(ctx context.Context, method, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, fmt.Errorf("media: %s %s: %w", method, url, err)
	}
	req.SetBasicAuth(c.AccountSID, c.AuthToken)
	api := *c.client()
	api.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := api.Do(req)
	if err != nil {
		return nil, fmt.Errorf("media: %s %s: %w", method, url, err)
	}
	return resp, nil
}

// get fetches a media URL: the carrier checks the credentials and redirects
// to its CDN, which is fetched without them.
func (c *Copier) get(ctx context.Context, url string) (*http.Response, error) {
	resp, err := c.request(ctx, http.MethodGet, url)
	if err != nil || !isRedirect(resp.StatusCode) {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64*kb))
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || (loc.Scheme != "https" && loc.Scheme != "http") {
		return nil, fmt.Errorf("media: GET %s: carrier answered %s without a usable Location", url, resp.Status)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("media: GET %s: redirect: %w", url, err)
	}
	cdn, err := c.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("media: GET %s: from the carrier's CDN at %s: %w", url, loc.Host, err)
	}
	return cdn, nil
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// deleteAtCarrier deletes a media item at the carrier when DeleteAtCarrier
// is set. An item already gone counts as deleted.
func (c *Copier) deleteAtCarrier(ctx context.Context, url string) error {
	if !c.DeleteAtCarrier {
		return nil
	}
	resp, err := c.request(ctx, http.MethodDelete, url)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64*kb))
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusOK, http.StatusNotFound:
		return nil
	}
	return fmt.Errorf("media: DELETE %s: carrier answered %s", url, resp.Status)
}
