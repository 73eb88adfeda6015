package store

import (
	"context"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// txCancelRetries is how often a transaction runs again after a call of it was cancelled on
// the server's side.
const txCancelRetries = 3

// runTx is RunTransaction, run again when a call of the transaction came back Canceled while
// ctx is still alive. The client retries only Aborted; the Firestore emulator, with
// transactions contending for the same documents, sometimes cancels a waiting read instead
// ("call already cancelled"), which would fail an agent's action for nothing. A cancelled
// read commits nothing, so running the transaction again is what Aborted would have done.
func (s *Store) runTx(ctx context.Context, f func(context.Context, *firestore.Transaction) error, opts ...firestore.TransactionOption) error {
	var err error
	for range txCancelRetries {
		err = s.fs.RunTransaction(ctx, f, opts...)
		if status.Code(err) != codes.Canceled || ctx.Err() != nil {
			return err
		}
	}
	return err
}
