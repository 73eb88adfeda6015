package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
)

const colIdempotency = "idempotency"

// Remembered is the stored record of an Idempotency-Key: the request it was first used
// with and, once Done, the answer given.
type Remembered struct {
	RequestHash string    `firestore:"requestHash"`
	Done        bool      `firestore:"done"`
	Status      int       `firestore:"status"`
	Body        []byte    `firestore:"body"`
	At          time.Time `firestore:"at"`
	ExpireAt    time.Time `firestore:"expireAt"`
}

func (s *Store) idempotencyRef(id string) (*firestore.DocumentRef, error) {
	if err := checkID("idempotency record", id); err != nil {
		return nil, err
	}
	return s.fs.Collection(colIdempotency).Doc(id), nil
}

// ClaimIdempotencyKey creates record id as r with a create precondition. When the record
// exists it creates nothing and returns the record found.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, id string, r Remembered) (*Remembered, error) {
	ref, err := s.idempotencyRef(id)
	if err != nil {
		return nil, err
	}
	_, err = ref.Create(ctx, r)
	if err == nil {
		return nil, nil
	}
	if !IsAlreadyExists(err) {
		return nil, fmt.Errorf("create idempotency record %s: %w", id, err)
	}
	snap, err := ref.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("read idempotency record %s: %w", id, err)
	}
	var found Remembered
	if err := snap.DataTo(&found); err != nil {
		return nil, fmt.Errorf("decode idempotency record %s: %w", id, err)
	}
	return &found, nil
}

// FinishIdempotent stores the answer on record id and marks it done.
func (s *Store) FinishIdempotent(ctx context.Context, id string, status int, body []byte) error {
	ref, err := s.idempotencyRef(id)
	if err != nil {
		return err
	}
	if _, err := ref.Update(ctx, []firestore.Update{{Path: "done", Value: true}, {Path: "status", Value: status}, {Path: "body", Value: body}}); err != nil {
		return fmt.Errorf("store idempotent answer %s: %w", id, err)
	}
	return nil
}

// ForgetIdempotent deletes record id.
func (s *Store) ForgetIdempotent(ctx context.Context, id string) error {
	ref, err := s.idempotencyRef(id)
	if err != nil {
		return err
	}
	if _, err := ref.Delete(ctx); err != nil {
		return fmt.Errorf("delete idempotency record %s: %w", id, err)
	}
	return nil
}
