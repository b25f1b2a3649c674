package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/internal/store"
)

// storeLedger is the engine's run ledger on the flow store.
type storeLedger struct{ store *store.Store }

// ClaimRuns takes accepted runs for a batch workflow execution.
func (l storeLedger) ClaimRuns(ctx context.Context, req engine.ClaimRequest) ([]string, error) {
	return l.store.ClaimRuns(ctx, req.RunIDs, req.Token, req.WorkflowID, req.TemporalRunID)
}

// FinishRuns records how batched runs ended.
func (l storeLedger) FinishRuns(ctx context.Context, done []engine.FinishedRun) error {
	out := make([]store.RunFinish, len(done))
	for i, d := range done {
		steps, err := json.Marshal(d.Steps)
		if err != nil {
			return fmt.Errorf("encoding the steps of run %s: %w", d.RunID, err)
		}
		out[i] = store.RunFinish{RunID: d.RunID, ClaimToken: d.ClaimToken, Status: d.Status, Steps: steps, Error: d.Error,
			ClosedAt: d.ClosedAt, WorkflowID: d.WorkflowID, TemporalRunID: d.TemporalRunID}
	}
	return l.store.FinishRuns(ctx, out)
}
