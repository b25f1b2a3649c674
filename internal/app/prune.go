package app

import (
	"context"
	"time"

	"go.temporal.io/api/workflowservice/v1"
)

// pruneEvery is how often the run ledger is pruned.
const pruneEvery = 10 * time.Minute

// defaultRetention applies when the namespace's retention cannot be read.
const defaultRetention = 24 * time.Hour

// every runs fn now and then every interval in the background, until
// Shutdown stops it.
func (a *App) every(interval time.Duration, fn func(context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	a.stops = append(a.stops, func() { cancel(); <-done })
	go func() {
		defer close(done)
		for {
			fn(ctx)
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
		}
	}()
}

// pruneOnce deletes ledger entries of batched runs once they are older
// than the namespace's retention, the horizon Temporal keeps runs with a
// workflow of their own (and the batch histories the entries link to).
func (a *App) pruneOnce(ctx context.Context) {
	retention := defaultRetention
	if ns, err := a.client.WorkflowService().DescribeNamespace(ctx,
		&workflowservice.DescribeNamespaceRequest{Namespace: a.cfg.TemporalNamespace}); err == nil {
		if d := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); d > 0 {
			retention = d
		}
	}
	n, err := a.store.PruneRunRecords(ctx, time.Now().UTC().Add(-retention))
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("pruning the run ledger", "error", err)
		}
		return
	}
	if n > 0 {
		a.log.Debug("pruned the run ledger", "runs", n, "retention", retention)
	}
	if n, err := a.store.PruneEventKeys(ctx, time.Now().UTC().Add(-retention)); err != nil {
		if ctx.Err() == nil {
			a.log.Warn("pruning event keys", "error", err)
		}
	} else if n > 0 {
		a.log.Debug("pruned event keys", "keys", n, "retention", retention)
	}
}

// requeueEvery is how often, and requeueAfter how long after being
// accepted, batched runs that never reached their batch are handed over
// again.
const (
	requeueEvery = time.Minute
	requeueAfter = time.Minute
)

// requeueOnce hands over again the runs whose API request died between
// recording them and signalling their batch.
func (a *App) requeueOnce(ctx context.Context) {
	n, err := a.requeuer.Sweep(ctx, requeueAfter)
	if err != nil && ctx.Err() == nil {
		a.log.Warn("handing stranded runs to their batches", "error", err)
	}
	if n > 0 {
		a.log.Info("handed stranded runs to their batches", "runs", n)
	}
}
