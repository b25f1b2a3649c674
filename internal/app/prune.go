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

// startPruner deletes ledger entries of batched runs once they are older
// than the namespace's retention, the horizon Temporal keeps runs with a
// workflow of their own (and the batch histories the entries link to).
// It stops when Shutdown cancels it.
func (a *App) startPruner() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	a.stopPruner = func() { cancel(); <-done }
	go func() {
		defer close(done)
		for {
			a.pruneOnce(ctx)
			select {
			case <-ctx.Done():
				return
			case <-time.After(pruneEvery):
			}
		}
	}()
}

func (a *App) pruneOnce(ctx context.Context) {
	retention := defaultRetention
	if ns, err := a.client.WorkflowService().DescribeNamespace(ctx,
		&workflowservice.DescribeNamespaceRequest{Namespace: a.cfg.TemporalNamespace}); err == nil {
		if d := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); d > 0 {
			retention = d
		}
	}
	n, err := a.store.PruneRunRecords(ctx, time.Now().Add(-retention))
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("pruning the run ledger", "error", err)
		}
		return
	}
	if n > 0 {
		a.log.Debug("pruned the run ledger", "runs", n, "retention", retention)
	}
}
