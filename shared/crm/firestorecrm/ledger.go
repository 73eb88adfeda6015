package firestorecrm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/smsdesk/smsdesk/shared/crm"
)

// Ledger is a crm.Ledger in Firestore, shared by every instance: one document per key in
// crmLedger, named by the key's SHA-256 so that any key is a valid document id.
type Ledger struct {
	fs *firestore.Client
}

// NewLedger returns the Firestore Ledger.
func NewLedger(fs *firestore.Client) *Ledger { return &Ledger{fs: fs} }

var _ crm.Ledger = (*Ledger)(nil)

func (l *Ledger) doc(key string) *firestore.DocumentRef {
	sum := sha256.Sum256([]byte(key))
	return l.fs.Collection(colLedger).Doc(hex.EncodeToString(sum[:]))
}

// Seen reports whether key was marked.
func (l *Ledger) Seen(ctx context.Context, key string) (bool, error) {
	_, err := l.doc(key).Get(ctx)
	switch {
	case err == nil:
		return true, nil
	case status.Code(err) == codes.NotFound:
		return false, nil
	}
	return false, fmt.Errorf("firestorecrm: ledger key %q: %w", key, err)
}

// Mark records key.
func (l *Ledger) Mark(ctx context.Context, key string) error {
	if _, err := l.doc(key).Set(ctx, map[string]any{"key": key, "at": time.Now().UTC()}); err != nil {
		return fmt.Errorf("firestorecrm: mark ledger key %q: %w", key, err)
	}
	return nil
}
