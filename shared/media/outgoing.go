package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/storage"

	"github.com/smsdesk/smsdesk/shared/session"
)

// Upload is one file an agent attaches to a text.
type Upload struct {
	ContentType string
	Data        []byte
}

// ErrRefused is an attachment the carrier's MMS limits keep out; the message says which and
// why.
var ErrRefused = errors.New("attachment refused")

// OutgoingURLTTL is how long the carrier may fetch an agent's attachment: it fetches it when
// the message is sent, seconds after the reply, or after retries within the hour.
const OutgoingURLTTL = 24 * time.Hour

// Keeper keeps agents' attachments in the media bucket and hands the carrier signed URLs of
// the copies, so nothing an agent sends lives only on their machine or at an outside address.
type Keeper struct {
	Bucket *storage.BucketHandle
	// Policy is what the carrier takes (DefaultPolicy: CARRIER.md's MMS limits).
	Policy Policy
	// Sign signs an object's URL for ttl (SignedURL with the deployment's signing options).
	Sign func(object string, ttl time.Duration) (string, error)
}

// Check refuses uploads the carrier would not send: more than MaxItems, an empty file, a type
// the policy does not list (or bytes that are not of the image type claimed), an item over
// its type's limit, or more than the policy's total.
func (p Policy) Check(files []Upload) error {
	if len(files) > MaxItems {
		return fmt.Errorf("%w: %d attachments; one MMS carries at most %d", ErrRefused, len(files), MaxItems)
	}
	var total int64
	for i, f := range files {
		ct := canonicalType(normalizeType(f.ContentType))
		limit, ok := p.Allowed[ct]
		switch {
		case len(f.Data) == 0:
			return fmt.Errorf("%w: attachment %d is empty", ErrRefused, i+1)
		case !ok:
			return fmt.Errorf("%w: attachment %d: content type %.40q is not one the carrier sends; use one of %s", ErrRefused, i+1, f.ContentType, p.types())
		case strings.HasPrefix(ct, "image/") && http.DetectContentType(f.Data) != ct:
			return fmt.Errorf("%w: attachment %d is not a %s file (it looks like %s)", ErrRefused, i+1, ct, http.DetectContentType(f.Data))
		case int64(len(f.Data)) > limit:
			return fmt.Errorf("%w: attachment %d has %s; the limit for %s is %s", ErrRefused, i+1, human(int64(len(f.Data))), ct, human(limit))
		}
		total += int64(len(f.Data))
	}
	if total > p.maxTotal() {
		return fmt.Errorf("%w: the attachments have %s in all; one MMS carries at most %s", ErrRefused, human(total), human(p.maxTotal()))
	}
	return nil
}

func (p Policy) types() string {
	return strings.Join(slices.Sorted(maps.Keys(p.Allowed)), ", ")
}

// Keep checks files (Policy.Check) and stores each as "outgoing/{sha256}{ext}", named by its
// content so that a retried reply writes nothing twice, and returns them as transcript media:
// the carrier's signed URL, the type and the object (agents see it through their own signed
// links).
func (k *Keeper) Keep(ctx context.Context, files []Upload) ([]session.Media, error) {
	if err := k.Policy.Check(files); err != nil {
		return nil, err
	}
	out := make([]session.Media, 0, len(files))
	for _, f := range files {
		ct := canonicalType(normalizeType(f.ContentType))
		sum := sha256.Sum256(f.Data)
		name := "outgoing/" + hex.EncodeToString(sum[:]) + extension(ct)
		if err := k.write(ctx, name, ct, f.Data); err != nil {
			return nil, err
		}
		u, err := k.Sign(name, OutgoingURLTTL)
		if err != nil {
			return nil, err
		}
		out = append(out, session.Media{URL: u, ContentType: ct, Object: name})
	}
	return out, nil
}

// write creates the object unless a copy with the same content exists already.
func (k *Keeper) write(ctx context.Context, name, ct string, data []byte) error {
	obj := k.Bucket.Object(name)
	if _, err := obj.Attrs(ctx); err == nil {
		return nil
	} else if !errors.Is(err, storage.ErrObjectNotExist) {
		return fmt.Errorf("media: look up gs://%s/%s: %w", k.Bucket.BucketName(), name, err)
	}
	c := Copier{Bucket: k.Bucket}
	return c.write(ctx, obj, ct, "agent", 0, data)
}
