package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	colBulkJobs = "bulkJobs"
	subResults  = "results"
)

// BulkJob is one bulk send: its request and progress.
type BulkJob struct {
	ID     string `firestore:"id" json:"id"`
	Caller string `firestore:"caller" json:"-"`
	// RequestHash identifies the request that made the job, so that a second request under
	// the same job id (the same Idempotency-Key) is told apart from a retry.
	RequestHash string    `firestore:"requestHash" json:"-"`
	From        string    `firestore:"from" json:"from"`
	Total       int       `firestore:"total" json:"total"`
	CreatedAt   time.Time `firestore:"createdAt" json:"createdAt"`
}

// BulkResult is what became of one recipient of a bulk send.
type BulkResult struct {
	Index int    `firestore:"index" json:"index"`
	To    string `firestore:"to" json:"to"`
	// Status is accepted (handed to the sender), held (until sendAt or the end of quiet
	// hours), then sent, delivered, undelivered or failed as the carrier reports; or refused
	// (Code and Message say why).
	Status  string `firestore:"status" json:"status"`
	Code    string `firestore:"code,omitempty" json:"code,omitempty"`
	Message string `firestore:"message,omitempty" json:"message,omitempty"`
}

// CreateBulkJob records a new bulk send and returns the job as stored: j, or the job that
// already had its id.
func (s *Store) CreateBulkJob(ctx context.Context, j BulkJob) (BulkJob, error) {
	ref := s.fs.Collection(colBulkJobs).Doc(j.ID)
	_, err := ref.Create(ctx, j)
	if err == nil {
		return j, nil
	}
	if !IsAlreadyExists(err) {
		return j, fmt.Errorf("create bulk job %s: %w", j.ID, err)
	}
	snap, err := ref.Get(ctx)
	if err != nil {
		return j, fmt.Errorf("read bulk job %s: %w", j.ID, err)
	}
	var stored BulkJob
	if err := snap.DataTo(&stored); err != nil {
		return j, fmt.Errorf("decode bulk job %s: %w", j.ID, err)
	}
	return stored, nil
}

// UpdateBulkResult changes one recipient's result as change decides; a result not yet stored
// starts from its index alone. change returns false to leave the result as it is. Results
// are written with update-time preconditions, so concurrent changes are each decided on the
// latest state.
func (s *Store) UpdateBulkResult(ctx context.Context, jobID string, index int, change func(*BulkResult) bool) error {
	ref := s.bulkResultRef(jobID, index)
	for attempt := 0; attempt < 10; attempt++ {
		snap, err := ref.Get(ctx)
		r := BulkResult{Index: index}
		switch {
		case isNotFound(err):
			if !change(&r) {
				return nil
			}
			_, err = ref.Create(ctx, r)
			if IsAlreadyExists(err) {
				continue
			}
		case err != nil:
			return fmt.Errorf("read bulk result %s/%d: %w", jobID, index, err)
		default:
			if err := snap.DataTo(&r); err != nil {
				return fmt.Errorf("decode bulk result %s/%d: %w", jobID, index, err)
			}
			if !change(&r) {
				return nil
			}
			_, err = ref.Update(ctx, []firestore.Update{
				{Path: "to", Value: r.To}, {Path: "status", Value: r.Status}, {Path: "code", Value: r.Code}, {Path: "message", Value: r.Message},
			}, firestore.LastUpdateTime(snap.UpdateTime))
			if status.Code(err) == codes.FailedPrecondition {
				continue // changed since read: decide again
			}
		}
		if err != nil {
			return fmt.Errorf("save bulk result %s/%d: %w", jobID, index, err)
		}
		return nil
	}
	return fmt.Errorf("save bulk result %s/%d: too much contention", jobID, index)
}

// FirstBulkResult stores a recipient's first result, as the bulk worker does: it creates the
// result without reading it first, and only when one exists already (a redelivered batch, or
// a status callback that came before it) decides on it as UpdateBulkResult does.
func (s *Store) FirstBulkResult(ctx context.Context, jobID string, index int, change func(*BulkResult) bool) error {
	r := BulkResult{Index: index}
	if !change(&r) {
		return s.UpdateBulkResult(ctx, jobID, index, change)
	}
	_, err := s.bulkResultRef(jobID, index).Create(ctx, r)
	if IsAlreadyExists(err) {
		return s.UpdateBulkResult(ctx, jobID, index, change)
	}
	if err != nil {
		return fmt.Errorf("save bulk result %s/%d: %w", jobID, index, err)
	}
	return nil
}

func (s *Store) bulkResultRef(jobID string, index int) *firestore.DocumentRef {
	return s.fs.Collection(colBulkJobs).Doc(jobID).Collection(subResults).Doc(fmt.Sprintf("%06d", index))
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
