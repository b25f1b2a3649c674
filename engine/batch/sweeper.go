package batch

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/flowline/flowline/engine"
)

// Sweeper keeps the run ledger moving and small, in the background of the
// process that serves the API (the one that accepts batched runs; several
// such processes may each sweep, which is harmless): it hands over again
// the accepted runs that never reached their batch, gives back the runs of
// batch executions that ended without finishing them, and prunes entries
// past the namespace's retention.
type Sweeper struct {
	ledger   engine.Ledger
	versions engine.Versions
	exec     engine.Executions
	batch    engine.BatchOptions
	client   client.Client
	ns       string
	// StuckAfter is how long a batched run may run before its batch
	// execution is checked [2 minutes].
	StuckAfter time.Duration
	log        *slog.Logger

	mu   sync.Mutex
	sent map[string]bool
}

// SweeperOptions are what a Sweeper works on: the run service's parts.
type SweeperOptions struct {
	Ledger     engine.Ledger
	Versions   engine.Versions
	Executions engine.Executions
	Batch      engine.BatchOptions
	// Client and Namespace read the retention; without a client the
	// default retention applies.
	Client    client.Client
	Namespace string
	Logger    *slog.Logger
}

// NewSweeper returns the sweeper of o.Ledger. It sweeps nothing when
// batching is off (no ledger, or zero lanes).
func NewSweeper(o SweeperOptions) *Sweeper {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sweeper{ledger: o.Ledger, versions: o.Versions, exec: o.Executions, batch: o.Batch,
		client: o.Client, ns: o.Namespace, log: log}
}

// How often each job runs, and how long after being accepted a batched run
// that never reached its batch is handed over again.
const (
	RequeueEvery = time.Minute
	RequeueAfter = time.Minute
	PruneEvery   = 10 * time.Minute
)

// requeueLimit bounds the runs one Requeue hands over.
const requeueLimit = 500

// stuckAfter is how long after its start a still-running batched run gets
// its batch execution checked; batches end seconds after their window, so
// a run running this long is in a slow step or in a batch that is gone.
const stuckAfter = 2 * time.Minute

// defaultRetention applies when the namespace's retention cannot be read.
const defaultRetention = 24 * time.Hour

// Run sweeps until ctx ends: requeue every RequeueEvery, prune every
// PruneEvery, both once at the start.
func (w *Sweeper) Run(ctx context.Context) {
	if w.ledger == nil || w.batch.Lanes <= 0 {
		return
	}
	requeue, prune := time.NewTicker(RequeueEvery), time.NewTicker(PruneEvery)
	defer requeue.Stop()
	defer prune.Stop()
	w.requeueOnce(ctx)
	w.pruneOnce(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-requeue.C:
			w.requeueOnce(ctx)
		case <-prune.C:
			w.pruneOnce(ctx)
		}
	}
}

func (w *Sweeper) requeueOnce(ctx context.Context) {
	n, err := w.Requeue(ctx, RequeueAfter)
	if err != nil && ctx.Err() == nil {
		w.log.Warn("handing stranded runs to their batches", "error", err)
	}
	if n > 0 {
		w.log.Info("handed stranded runs to their batches", "runs", n)
	}
}

func (w *Sweeper) pruneOnce(ctx context.Context) {
	n, retention, err := w.Prune(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("pruning the run ledger", "error", err)
		}
		return
	}
	if n > 0 {
		w.log.Debug("pruned the run ledger", "runs", n, "retention", retention)
	}
}

// Prune deletes ledger entries of batched runs once they are older than
// the namespace's retention, the horizon Temporal keeps runs with a
// workflow of their own (and the batch histories the entries link to).
func (w *Sweeper) Prune(ctx context.Context) (int64, time.Duration, error) {
	retention := defaultRetention
	if w.client != nil {
		if ns, err := w.client.WorkflowService().DescribeNamespace(ctx,
			&workflowservice.DescribeNamespaceRequest{Namespace: w.ns}); err == nil {
			if d := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); d > 0 {
				retention = d
			}
		}
	}
	n, err := w.ledger.Prune(ctx, time.Now().UTC().Add(-retention))
	return n, retention, err
}

// Requeue hands over accepted runs recorded more than olderThan ago and
// returns how many it sent; a run that did reach its batch (whose worker
// is merely behind) gets a second signal, which the batch's claim drops,
// and each run is sent again at most once per Sweeper. First it gives
// back the runs of batch executions that ended without finishing them
// (terminated by an operator, or by Temporal for outgrowing its limits),
// so that they are handed over too: a step that had already been sent is
// sent again, with the same Idempotency-Key.
func (w *Sweeper) Requeue(ctx context.Context, olderThan time.Duration) (int, error) {
	w.mu.Lock()
	if w.sent == nil || len(w.sent) > 100000 {
		w.sent = map[string]bool{}
	}
	w.mu.Unlock()
	stuck := w.StuckAfter
	if stuck <= 0 {
		stuck = stuckAfter
	}
	var errs []error
	if err := w.releaseEnded(ctx, time.Now().UTC().Add(-stuck)); err != nil {
		errs = append(errs, err) // and go on: stranded runs are handed over regardless
	}
	cutoff := time.Now().UTC().Add(-olderThan)
	es, err := w.ledger.List(ctx, engine.LedgerFilter{
		Statuses: []string{engine.StatusAccepted}, Before: &cutoff, Limit: requeueLimit, OldestFirst: true})
	if err != nil {
		return 0, errors.Join(append(errs, err)...)
	}
	n := 0
	for i := range es {
		e := &es[i]
		w.mu.Lock()
		done := w.sent[e.RunID]
		w.sent[e.RunID] = true
		w.mu.Unlock()
		if done {
			continue
		}
		in, err := engine.LedgerInput(ctx, w.versions, e)
		if err == nil {
			_, err = w.exec.Enqueue(ctx, *in, w.batch)
		}
		if err != nil {
			w.mu.Lock()
			delete(w.sent, e.RunID) // try again next sweep
			w.mu.Unlock()
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// releaseEnded gives back the runs still running in batch executions that
// have ended. A run whose own workflow exists was handed off before its
// batch could record it: it is recorded as handed off instead.
func (w *Sweeper) releaseEnded(ctx context.Context, cutoff time.Time) error {
	running, err := w.ledger.List(ctx, engine.LedgerFilter{Statuses: []string{engine.StatusRunning},
		StartedBefore: &cutoff, Limit: requeueLimit, OldestFirst: true})
	if err != nil {
		return err
	}
	var errs []error
	seen := map[engine.BatchRef]bool{}
	for _, e := range running {
		b := engine.BatchRef{WorkflowID: e.WorkflowID, TemporalRunID: e.TemporalRunID}
		if seen[b] {
			continue
		}
		seen[b] = true
		open, err := w.exec.BatchOpen(ctx, b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if open {
			continue
		}
		claimed, err := w.ledger.List(ctx, engine.LedgerFilter{Statuses: []string{engine.StatusRunning}, Claimed: &b, Limit: 100000})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for i := range claimed {
			if err := w.release(ctx, &claimed[i]); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// release gives back one run of an ended batch, or records it as handed
// off when its own workflow exists.
func (w *Sweeper) release(ctx context.Context, e *engine.LedgerEntry) error {
	temporalRunID, own, err := w.exec.OwnRun(ctx, e.RunID)
	if err != nil {
		return err
	}
	if own {
		return w.ledger.Finish(ctx, []engine.FinishedRun{{RunID: e.RunID, ClaimToken: e.ClaimToken,
			Status: engine.StatusHandedOff, Steps: e.Steps, WorkflowID: engine.WorkflowID(e.RunID), TemporalRunID: temporalRunID}})
	}
	released, err := w.ledger.Release(ctx, e.RunID, e.ClaimToken)
	if err != nil || !released {
		return err
	}
	w.mu.Lock()
	delete(w.sent, e.RunID)
	w.mu.Unlock()
	return nil
}
