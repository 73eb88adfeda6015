package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
)

const (
	colBulkJobs = "bulkJobs"
	subResults  = "results"
)

// BulkJob is one bulk send: its request and progress.
type BulkJob struct {
	ID        string    `firestore:"id" json:"id"`
	Caller    string    `firestore:"caller" json:"-"`
	From      string    `firestore:"from" json:"from"`
	Total     int       `firestore:"total" json:"total"`
	CreatedAt time.Time `firestore:"createdAt" json:"createdAt"`
}

// BulkResult is what became of one recipient of a bulk send.
type BulkResult struct {
	Index int    `firestore:"index" json:"index"`
	To    string `firestore:"to" json:"to"`
	// Status is accepted (handed to the sender; delivery statuses are on the message), held
	// (until sendAt or the end of quiet hours) or refused (Code and Message say why).
	Status  string `firestore:"status" json:"status"`
	Code    string `firestore:"code,omitempty" json:"code,omitempty"`
	Message string `firestore:"message,omitempty" json:"message,omitempty"`
}

// CreateBulkJob records a new bulk send.
func (s *Store) CreateBulkJob(ctx context.Context, j BulkJob) error {
	if _, err := s.fs.Collection(colBulkJobs).Doc(j.ID).Create(ctx, j); err != nil && !IsAlreadyExists(err) {
		return fmt.Errorf("create bulk job %s: %w", j.ID, err)
	}
	return nil
}

// SaveBulkResult records one recipient's outcome (again, harmlessly, on redelivery).
func (s *Store) SaveBulkResult(ctx context.Context, jobID string, r BulkResult) error {
	ref := s.fs.Collection(colBulkJobs).Doc(jobID).Collection(subResults).Doc(fmt.Sprintf("%06d", r.Index))
	if _, err := ref.Set(ctx, r); err != nil {
		return fmt.Errorf("save bulk result %s/%d: %w", jobID, r.Index, err)
	}
	return nil
}

// BulkJob reads a bulk send and its results so far, in recipient order.
func (s *Store) BulkJob(ctx context.Context, id string) (BulkJob, []BulkResult, error) {
	var j BulkJob
	if err := checkID("bulk job", id); err != nil {
		return j, nil, err
	}
	ref := s.fs.Collection(colBulkJobs).Doc(id)
	snap, err := ref.Get(ctx)
	if isNotFound(err) {
		return j, nil, fmt.Errorf("bulk job %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return j, nil, fmt.Errorf("read bulk job %s: %w", id, err)
	}
	if err := snap.DataTo(&j); err != nil {
		return j, nil, err
	}
	var results []BulkResult
	if err := readAll(ctx, ref.Collection(subResults).OrderBy("index", firestore.Asc), &results); err != nil {
		return j, nil, err
	}
	return j, results, nil
}
