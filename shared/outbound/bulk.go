package outbound

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// MaxBulkRecipients bounds one bulk request; batchSize is how many recipients one Pub/Sub
// message carries to the bulk worker.
const (
	MaxBulkRecipients = 5000
	batchSize         = 100
)

// Recipient is one consumer of a bulk send.
type Recipient struct {
	To        string            `json:"to"`
	Variables map[string]string `json:"variables,omitempty"`
}

// BulkBatch is a slice of a bulk send on the bulk topic.
type BulkBatch struct {
	JobID         string      `json:"jobId"`
	From          string      `json:"from"`
	Body          string      `json:"body,omitempty"`
	Template      string      `json:"template,omitempty"`
	Language      string      `json:"language,omitempty"`
	SendAt        time.Time   `json:"sendAt,omitzero"`
	ConsentSource string      `json:"consentSource,omitempty"`
	Start         int         `json:"start"`
	Recipients    []Recipient `json:"recipients"`
}

// BulkStore records bulk jobs and their results.
type BulkStore interface {
	CreateBulkJob(ctx context.Context, j store.BulkJob) (store.BulkJob, error)
	UpdateBulkResult(ctx context.Context, jobID string, index int, change func(*store.BulkResult) bool) error
	// FirstBulkResult is UpdateBulkResult for a result that is usually not stored yet.
	FirstBulkResult(ctx context.Context, jobID string, index int, change func(*store.BulkResult) bool) error
	BulkJob(ctx context.Context, id string) (store.BulkJob, []store.BulkResult, error)
}

// Publisher puts batches on the bulk topic.
type Publisher interface {
	Publish(ctx context.Context, topic, orderingKey string, v any) error
}

// Bulk accepts bulk sends and works through them.
type Bulk struct {
	Texts     *Service
	Store     BulkStore
	Publisher Publisher
	Topic     string
}

// Accept checks a bulk request, records the job and queues its batches. Recipients are
// checked one by one later (their numbers, their variables); their outcomes are the job's
// results. fingerprint identifies the request (see Fingerprint): a job id already taken by
// another request is refused, never mixed with it.
func (b *Bulk) Accept(ctx context.Context, caller, fingerprint string, req BulkBatch) (store.BulkJob, error) {
	n := len(req.Recipients)
	if n == 0 || n > MaxBulkRecipients {
		return store.BulkJob{}, refuse(Invalid, "invalid_recipients", "give 1 to %d recipients; got %d", MaxBulkRecipients, n)
	}
	if _, _, err := b.Texts.text(ctx, Request{From: req.From, Body: req.Body, Template: req.Template, Language: req.Language}); err != nil {
		return store.BulkJob{}, err
	}
	job := store.BulkJob{ID: req.JobID, Caller: caller, RequestHash: fingerprint, From: req.From, Total: n, CreatedAt: b.Texts.Now()}
	stored, err := b.Store.CreateBulkJob(ctx, job)
	if err != nil {
		return job, err
	}
	if stored.Caller != caller || stored.RequestHash != fingerprint {
		return job, refuse(KeyReused, "idempotency_key_reused", "bulk job %s was made by another request; use a new key for a new request", job.ID)
	}
	for start := 0; start < n; start += batchSize {
		batch := req
		batch.Start, batch.Recipients = start, req.Recipients[start:min(start+batchSize, n)]
		if err := b.Publisher.Publish(ctx, b.Topic, "", batch); err != nil {
			return stored, fmt.Errorf("queue bulk batch %d of %s: %w", start/batchSize, job.ID, err)
		}
	}
	return stored, nil
}

// Process sends one batch: each recipient gets a notification with their variables filled
// (held to the next allowed time in quiet hours) or a refusal with the reason. A redelivered
// batch sends nothing twice: each recipient's message id is fixed by the job and position.
//
// Recipients are independent, so a batch works through recipientsAtOnce of them at a time:
// one after another, a recipient's few round trips to Firestore would set the job's pace
// below a fast number's rate. A failure stops the batch, which is delivered again.
func (b *Bulk) Process(ctx context.Context, batch BulkBatch) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(recipientsAtOnce)
	for i, rc := range batch.Recipients {
		g.Go(func() error { return b.processOne(ctx, batch, batch.Start+i, rc) })
	}
	return g.Wait()
}

// recipientsAtOnce is how many of a batch's recipients Process works on at once.
const recipientsAtOnce = 5

// processOne sends recipient rc, at position idx of the job, and records the result.
func (b *Bulk) processOne(ctx context.Context, batch BulkBatch, idx int, rc Recipient) error {
	r := Request{
		ID: bulkMessageID(batch.JobID, idx), From: batch.From, To: rc.To, Body: batch.Body,
		Template: batch.Template, Language: batch.Language, Vars: rc.Variables, SendAt: batch.SendAt, holdQuiet: true, bulk: true,
	}
	if batch.ConsentSource != "" {
		r.Consent = &session.Consent{Source: batch.ConsentSource, At: b.Texts.Now()}
	}
	res := store.BulkResult{Index: idx, To: rc.To}
	sent, err := b.Texts.Notify(ctx, r)
	var e *Error
	switch {
	case err == nil && sent.Status == session.StatusScheduled:
		res.Status = ResultHeld // until sendAt or the end of quiet hours
	case err == nil, store.IsAlreadyExists(err): // the latter: sent by an earlier delivery
		res.Status = ResultAccepted
	case errors.As(err, &e):
		res.Status, res.Code, res.Message = ResultRefused, e.Code, e.Message
	default:
		return err
	}
	return b.Store.FirstBulkResult(ctx, batch.JobID, idx, advance(res))
}

// Job returns a caller's bulk job with its results.
func (b *Bulk) Job(ctx context.Context, caller, id string) (store.BulkJob, []store.BulkResult, error) {
	if !jobIDPattern.MatchString(id) {
		return store.BulkJob{}, nil, refuse(NotFound, "not_found", "no bulk job %q of yours: job ids look like B0123456789abcdef01234567", id)
	}
	j, results, err := b.Store.BulkJob(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && j.Caller != caller) {
		return j, nil, refuse(NotFound, "not_found", "no bulk job %q of yours", id)
	}
	return j, results, err
}
