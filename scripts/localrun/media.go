package localrun

import (
	"context"
	"fmt"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	"github.com/smsdesk/smsdesk/scripts/localstorage"
	"github.com/smsdesk/smsdesk/shared/app"
)

// localMediaBucket is the media bucket of local runs.
const localMediaBucket = "smsdesk-local-media"

// localMedia starts the local Cloud Storage with the media bucket and serves its signed URLs
// on the functions' own port at /<bucket>/<object>, where the links agents get point: one
// process, one port, and the links open in a browser.
func localMedia(ctx context.Context, base string) ([]app.Option, *localstorage.Server, error) {
	gcs, err := localstorage.New(base, localMediaBucket)
	if err != nil {
		return nil, nil, err
	}
	if err := funcframework.RegisterHTTPFunctionContext(ctx, "/"+localMediaBucket+"/", gcs.ServeHTTP); err != nil {
		return nil, nil, fmt.Errorf("serve local media: %w", err)
	}
	return []app.Option{
		app.WithStorage(gcs.Client()),
		app.WithMediaSigning(gcs.SignOptions()...),
	}, gcs, nil
}
