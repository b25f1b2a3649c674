package engine

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"
)

// Ledger is where batched runs are recorded: the API accepts them there,
// and the batch workflow claims them and records how they ended. The
// wiring fills it with the flow store.
type Ledger interface {
	ClaimRuns(ctx context.Context, req ClaimRequest) ([]string, error)
	FinishRuns(ctx context.Context, done []FinishedRun) error
}

// ledgerActivities are the batch workflow's local activities.
type ledgerActivities struct {
	ledger Ledger
	// runs starts the workflows of handed-off runs.
	runs *Runs
}

// Claim takes the runs of req for one batch execution.
func (a *ledgerActivities) Claim(ctx context.Context, req ClaimRequest) ([]string, error) {
	if a.ledger == nil {
		return nil, fmt.Errorf("claiming runs: this worker has no run ledger")
	}
	return a.ledger.ClaimRuns(ctx, req)
}

// Finish records the outcomes of finished runs.
func (a *ledgerActivities) Finish(ctx context.Context, done []FinishedRun) error {
	if a.ledger == nil {
		return fmt.Errorf("recording finished runs: this worker has no run ledger")
	}
	return a.ledger.FinishRuns(ctx, done)
}

// HandOff starts the run's own workflow on the task queue this worker
// serves and returns its Temporal run id; when it exists already (a
// retried task), the existing one's.
func (a *ledgerActivities) HandOff(ctx context.Context, in RunInput) (string, error) {
	if a.runs == nil {
		return "", fmt.Errorf("handing off run %s: this worker has no Temporal client", in.RunID)
	}
	runs := *a.runs
	runs.TaskQueue = activity.GetInfo(ctx).TaskQueue
	_, temporalRunID, err := runs.start(ctx, in)
	return temporalRunID, err
}
