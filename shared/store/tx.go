package store

import (
	"context"
	"fmt"

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

// commitOnce runs a transaction that only writes, under update-time preconditions, once. A
// commit that came back Canceled may have been applied all the same (the emulator cancels
// calls under contention), and running it again would fail its own preconditions: landed
// reads whether it was, and only when it was not is it run again.
func (s *Store) commitOnce(ctx context.Context, f func(context.Context, *firestore.Transaction) error, landed func(context.Context) (bool, error)) error {
	var err error
	for range txCancelRetries {
		err = s.fs.RunTransaction(ctx, f, firestore.MaxAttempts(1))
		if status.Code(err) != codes.Canceled || ctx.Err() != nil {
			return err
		}
		ok, lerr := landed(ctx)
		if lerr != nil {
			return fmt.Errorf("%w; and reading whether it landed: %w", err, lerr)
		}
		if ok {
			return nil
		}
	}
	return err
}
