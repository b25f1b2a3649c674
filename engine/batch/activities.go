package batch

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/flowline/flowline/engine"
)

// Names of the ledger local activities.
const (
	claimActivity   = "FlowlineClaimRuns"
	finishActivity  = "FlowlineFinishRuns"
	handOffActivity = "FlowlineHandOffRun"
)

// ledgerActivities are the batch workflow's local activities.
type ledgerActivities struct {
	ledger engine.BatchLedger
	// runs starts the workflows of handed-off runs.
	runs *engine.Runs
}

// Claim takes the runs of req for one batch execution.
func (a *ledgerActivities) Claim(ctx context.Context, req engine.ClaimRequest) ([]string, error) {
	if a.ledger == nil {
		return nil, fmt.Errorf("claiming runs: this worker has no run ledger")
	}
	return a.ledger.Claim(ctx, req)
}

// Finish records the outcomes of finished runs.
func (a *ledgerActivities) Finish(ctx context.Context, done []engine.FinishedRun) error {
	if a.ledger == nil {
		return fmt.Errorf("recording finished runs: this worker has no run ledger")
	}
	return a.ledger.Finish(ctx, done)
}

// HandOff starts the run's own workflow on the task queue this worker
// serves and returns its Temporal run id; when it exists already (a
// retried task), the existing one's.
func (a *ledgerActivities) HandOff(ctx context.Context, in engine.RunInput) (string, error) {
	if a.runs == nil {
		return "", fmt.Errorf("handing off run %s: this worker has no Temporal client", in.RunID)
	}
	return a.runs.On(activity.GetInfo(ctx).TaskQueue).StartOwn(ctx, in)
}
