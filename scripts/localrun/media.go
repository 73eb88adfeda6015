package localrun

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/fsouza/fake-gcs-server/fakestorage"

	"github.com/smsdesk/smsdesk/shared/app"
	"github.com/smsdesk/smsdesk/shared/media"
)

// localMediaBucket is the media bucket of local runs.
const localMediaBucket = "smsdesk-local-media"

// localMedia starts an in-process Cloud Storage server (there is no gcloud emulator for it)
// with the media bucket, and a throwaway key to sign agents' media URLs.
func localMedia() ([]app.Option, *fakestorage.Server, error) {
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	if err != nil {
		return nil, nil, fmt.Errorf("local storage server: %w", err)
	}
	gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: localMediaBucket})
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("media signing key: %w", err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return []app.Option{
		app.WithStorage(gcs.Client()),
		app.WithMediaSigning(media.WithPrivateKey("smsdesk-local@localhost", pemKey)),
	}, gcs, nil
}
