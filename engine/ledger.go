package engine

import (
	"context"
	"fmt"
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
