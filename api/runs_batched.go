package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// BatchService carries event runs in batch workflows (many runs per
// workflow execution, each recorded in the store's run ledger).
// *engine.Runs implements it.
type BatchService interface {
	// Enqueue hands a run recorded in the ledger to a batch workflow and
	// returns once Temporal has recorded it.
	Enqueue(ctx context.Context, in engine.RunInput) (*engine.Run, error)
	// CancelBatched asks the batch workflow execution carrying a run to
	// cancel it.
	CancelBatched(ctx context.Context, runID, batchWorkflowID, temporalRunID string) error
	// UIURL links a workflow execution in the Temporal UI.
	UIURL(workflowID, temporalRunID string) string
	// BatchOpen reports whether a batch workflow execution still runs.
	BatchOpen(ctx context.Context, workflowID, temporalRunID string) (bool, error)
	// OwnRun reports whether a run has a workflow of its own, and its
	// Temporal run id.
	OwnRun(ctx context.Context, runID string) (string, bool, error)
}

var _ BatchService = (*engine.Runs)(nil)

// startBatched records the run in the ledger, then hands it to a batch
// workflow; the 202 waits for both. A repeat of a run the ledger already
// holds starts nothing and answers with it. A run recorded but perhaps
// never handed over (its first request failed half-way) is handed over
// again: if the first signal did arrive, the batch's claim in the ledger
// drops the second.
func (s *server) startBatched(ctx context.Context, in engine.RunInput) (*engine.Run, error) {
	trigger, err := json.Marshal(in.Trigger)
	if err != nil {
		return nil, fmt.Errorf("encoding the trigger of run %s: %w", in.RunID, err)
	}
	rec, created, err := s.store.AcceptRun(ctx, &store.RunRecord{
		RunID: in.RunID, FlowID: in.FlowID, FlowVersion: in.Version,
		Trigger: trigger, StartedAt: in.StartedAt,
	})
	if err != nil {
		return nil, err
	}
	if !created && rec.Status != store.RunAccepted {
		if rec.Status == store.RunHandedOff {
			d, err := s.runs.Get(ctx, in.RunID)
			if err != nil {
				return nil, err
			}
			return &d.Run, nil
		}
		run := s.runFromRecord(rec)
		return &run, nil
	}
	if !created {
		// Hand over what was recorded first (its version, trigger and
		// time, hence the same batch), not this repeat.
		first, err := inputFromRecord(ctx, s.store, rec)
		if err != nil {
			return nil, err
		}
		in = *first
	}
	// The run is recorded: hand it over even if the client hangs up now.
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueTimeout)
	defer cancel()
	return s.batch.Enqueue(ectx, in)
}

// enqueueTimeout bounds handing a recorded run to its batch.
const enqueueTimeout = 30 * time.Second

// Requeuer hands over again the batched runs the ledger holds as accepted
// for longer than a run takes to be claimed: runs whose API request died
// between recording them and signalling their batch. A run that did reach
// its batch (whose worker is merely behind) gets a second signal, which
// the batch's claim drops; each run is sent again at most once per
// Requeuer.
type Requeuer struct {
	Store *store.Store
	Batch BatchService
	// StuckAfter is how long a batched run may run before its batch
	// execution is checked [2 minutes].
	StuckAfter time.Duration

	mu   sync.Mutex
	sent map[string]bool
}

// requeueLimit bounds the runs one Sweep hands over.
const requeueLimit = 500

// stuckAfter is how long after its start a still-running batched run gets
// its batch execution checked; batches end seconds after their window, so
// a run running this long is in a slow step or in a batch that is gone.
const stuckAfter = 2 * time.Minute

// releaseEnded gives back the runs still running in batch executions that
// have ended. A run whose own workflow exists was handed off before its
// batch could record it: it is recorded as handed off instead.
func (q *Requeuer) releaseEnded(ctx context.Context, cutoff time.Time) error {
	batches, err := q.Store.RunningBatches(ctx, cutoff, 100)
	if err != nil {
		return err
	}
	var errs []error
	for _, b := range batches {
		open, err := q.Batch.BatchOpen(ctx, b[0], b[1])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if open {
			continue
		}
		recs, err := q.Store.ClaimedRuns(ctx, b[0], b[1])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, rec := range recs {
			if err := q.release(ctx, rec); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// release gives back one run of an ended batch, or records it as handed
// off when its own workflow exists.
func (q *Requeuer) release(ctx context.Context, rec store.RunRecord) error {
	temporalRunID, own, err := q.Batch.OwnRun(ctx, rec.RunID)
	if err != nil {
		return err
	}
	if own {
		return q.Store.FinishRuns(ctx, []store.RunFinish{{RunID: rec.RunID, ClaimToken: rec.ClaimToken,
			Status: store.RunHandedOff, WorkflowID: engine.WorkflowID(rec.RunID), TemporalRunID: temporalRunID}})
	}
	released, err := q.Store.ReleaseRun(ctx, rec.RunID, rec.ClaimToken)
	if err != nil || !released {
		return err
	}
	q.mu.Lock()
	delete(q.sent, rec.RunID)
	q.mu.Unlock()
	return nil
}

// Sweep hands over accepted runs recorded more than olderThan ago and
// returns how many it sent. First it gives back the runs of batch
// executions that ended without finishing them (terminated by an
// operator, or by Temporal for outgrowing its limits), so that they are
// handed over too: a step that had already been sent is sent again, with
// the same Idempotency-Key.
func (q *Requeuer) Sweep(ctx context.Context, olderThan time.Duration) (int, error) {
	q.mu.Lock()
	if q.sent == nil || len(q.sent) > 100000 {
		q.sent = map[string]bool{}
	}
	q.mu.Unlock()
	stuck := q.StuckAfter
	if stuck <= 0 {
		stuck = stuckAfter
	}
	var errs []error
	if err := q.releaseEnded(ctx, time.Now().UTC().Add(-stuck)); err != nil {
		errs = append(errs, err) // and go on: stranded runs are handed over regardless
	}
	cutoff := time.Now().UTC().Add(-olderThan)
	recs, err := q.Store.ListRunRecords(ctx, store.RunRecordFilter{
		Statuses: []string{store.RunAccepted}, Before: &cutoff, Limit: requeueLimit, OldestFirst: true})
	if err != nil {
		return 0, errors.Join(append(errs, err)...)
	}
	n := 0
	for i := range recs {
		rec := &recs[i]
		q.mu.Lock()
		done := q.sent[rec.RunID]
		q.sent[rec.RunID] = true
		q.mu.Unlock()
		if done {
			continue
		}
		in, err := inputFromRecord(ctx, q.Store, rec)
		if err == nil {
			_, err = q.Batch.Enqueue(ctx, *in)
		}
		if err != nil {
			q.mu.Lock()
			delete(q.sent, rec.RunID) // try again next sweep
			q.mu.Unlock()
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// ledgerRun returns a batched run from the ledger, or nil when the ledger
// does not hold it or it went on in a workflow of its own (then Temporal
// knows it).
func (s *server) ledgerRun(ctx context.Context, runID string) (*store.RunRecord, error) {
	rec, err := s.store.GetRunRecord(ctx, runID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if rec.Status == store.RunHandedOff {
		return nil, nil
	}
	return rec, nil
}

// ledgerStatus maps ledger statuses onto the contract's run statuses.
var ledgerStatus = map[string]string{
	store.RunAccepted: engine.StatusRunning, store.RunRunning: engine.StatusRunning,
	store.RunSucceeded: engine.StatusSucceeded, store.RunFailed: engine.StatusFailed,
	store.RunCanceled: engine.StatusCanceled,
}

// runFromRecord is the run object of a ledger entry. Its workflow is the
// batch workflow that carried it.
func (s *server) runFromRecord(rec *store.RunRecord) engine.Run {
	run := engine.Run{
		RunID: rec.RunID, WorkflowID: rec.WorkflowID, FlowID: rec.FlowID, FlowVersion: rec.FlowVersion,
		Status: ledgerStatus[rec.Status], StartedAt: rec.StartedAt.UTC(), ClosedAt: rec.ClosedAt,
	}
	if run.ClosedAt != nil {
		t := run.ClosedAt.UTC()
		run.ClosedAt = &t
	}
	if s.batch != nil && rec.WorkflowID != "" && rec.TemporalRunID != "" {
		run.TemporalUIURL = s.batch.UIURL(rec.WorkflowID, rec.TemporalRunID)
	}
	return run
}

// detailFromRecord is the GET /runs/{run_id} answer for a ledger entry.
func (s *server) detailFromRecord(rec *store.RunRecord) (*engine.RunDetail, error) {
	d := &engine.RunDetail{Run: s.runFromRecord(rec), Steps: []engine.StepResult{}, Error: rec.Error}
	if len(rec.Trigger) > 0 {
		if err := json.Unmarshal(rec.Trigger, &d.Trigger); err != nil {
			return nil, fmt.Errorf("decoding the trigger of run %s: %w", rec.RunID, err)
		}
	}
	if len(rec.Steps) > 0 && string(rec.Steps) != "null" {
		if err := json.Unmarshal(rec.Steps, &d.Steps); err != nil {
			return nil, fmt.Errorf("decoding the steps of run %s: %w", rec.RunID, err)
		}
	}
	return d, nil
}

// inputFromRecord rebuilds the input of a ledger entry's run: its pinned
// version, trigger and accept time.
func inputFromRecord(ctx context.Context, st *store.Store, rec *store.RunRecord) (*engine.RunInput, error) {
	v, err := st.GetVersion(ctx, rec.FlowID, rec.FlowVersion)
	if err != nil {
		return nil, fmt.Errorf("reading version %d of flow %s: %w", rec.FlowVersion, rec.FlowID, err)
	}
	doc, err := flows.ParseDocument(v.Document)
	if err != nil {
		return nil, fmt.Errorf("reading version %d of flow %s: %w", rec.FlowVersion, rec.FlowID, err)
	}
	in := &engine.RunInput{FlowID: rec.FlowID, FlowName: doc.Name, Version: rec.FlowVersion,
		RunID: rec.RunID, StartedAt: rec.StartedAt.UTC(), Document: *doc}
	if err := json.Unmarshal(rec.Trigger, &in.Trigger); err != nil {
		return nil, fmt.Errorf("decoding the trigger of run %s: %w", rec.RunID, err)
	}
	return in, nil
}

// retryInput is the input of a new run repeating a ledger entry: the same
// pinned version and trigger, a new id and time.
func (s *server) retryInput(ctx context.Context, rec *store.RunRecord) (*engine.RunInput, error) {
	in, err := inputFromRecord(ctx, s.store, rec)
	if err != nil {
		return nil, err
	}
	in.RunID, in.StartedAt, in.Trigger.ID = engine.NewRunID(rec.FlowID), time.Now().UTC(), ""
	return in, nil
}
