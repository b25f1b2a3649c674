package engine

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// BatchWorkflowType is the workflow type that carries many event runs of
// one flow: each run arrives as a signal and runs as local activities
// beside the others, so a run costs one history event and one ledger row
// instead of a workflow execution of its own.
const BatchWorkflowType = "FlowBatch"

// Signals a batch workflow receives.
const (
	// BatchRunSignal hands the batch a run (a RunInput).
	BatchRunSignal = "run"
	// BatchCancelSignal asks the batch to cancel one of its runs (a run id).
	BatchCancelSignal = "cancel"
)

// Names of the ledger local activities.
const (
	claimActivity  = "FlowlineClaimRuns"
	finishActivity = "FlowlineFinishRuns"
)

// BatchRunsPerExecution is how many runs a batch workflow execution takes
// before it continues as new, which keeps its history well under
// Temporal's limits. A variable so that tests can make it small.
var BatchRunsPerExecution = 400

// BatchState is a batch workflow's input: the runs that reached the
// previous execution after it stopped taking new ones.
type BatchState struct {
	Pending []RunInput `json:"pending,omitempty"`
}

// FinishedRun is what a batch workflow records in the ledger when a run
// ends in it or is handed off to a workflow of its own.
type FinishedRun struct {
	RunID    string       `json:"run_id"`
	Status   string       `json:"status"`
	Steps    []StepResult `json:"steps"`
	Error    string       `json:"error,omitempty"`
	ClosedAt *time.Time   `json:"closed_at,omitempty"`
	// WorkflowID and TemporalRunID name the run's own workflow when it
	// was handed off.
	WorkflowID    string `json:"workflow_id,omitempty"`
	TemporalRunID string `json:"temporal_run_id,omitempty"`
}

// Ledger statuses a batch workflow records (the store's names).
const (
	LedgerSucceeded = "succeeded"
	LedgerFailed    = "failed"
	LedgerCanceled  = "canceled"
	LedgerHandedOff = "handed_off"
)

// ClaimRequest asks the ledger to take runs for one batch execution.
type ClaimRequest struct {
	RunIDs        []string `json:"run_ids"`
	Token         string   `json:"token"`
	WorkflowID    string   `json:"workflow_id"`
	TemporalRunID string   `json:"temporal_run_id"`
}

// batchLoop is the state of one batch workflow execution.
type batchLoop struct {
	queue    []RunInput
	done     []FinishedRun
	inflight int
	taken    int
	claims   int
	sealed   bool
	cancels  map[string]workflow.CancelFunc
}

// FlowBatchWorkflow carries event runs: it claims the runs that arrived in
// the ledger (a run claimed before, by a repeated signal, is dropped),
// runs each one's steps in a coroutine of its own, records the outcomes in
// the ledger, and continues as new after BatchRunsPerExecution runs. A run
// whose step needs a retry is handed off to a FlowRun workflow of its own,
// so slow retries never hold a batch back.
func FlowBatchWorkflow(ctx workflow.Context, st BatchState) error {
	info := workflow.GetInfo(ctx)
	runCh := workflow.GetSignalChannel(ctx, BatchRunSignal)
	cancelCh := workflow.GetSignalChannel(ctx, BatchCancelSignal)
	doneCh := workflow.NewChannel(ctx)
	b := &batchLoop{queue: st.Pending, cancels: map[string]workflow.CancelFunc{}}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: time.Hour,
		StartToCloseTimeout:    30 * time.Second,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumInterval: 10 * time.Second},
	})
	onRun := func(c workflow.ReceiveChannel, _ bool) {
		var in RunInput
		c.Receive(ctx, &in)
		b.queue = append(b.queue, in)
	}
	onDone := func(c workflow.ReceiveChannel, _ bool) {
		var f FinishedRun
		c.Receive(ctx, &f)
		b.done = append(b.done, f)
		b.inflight--
		delete(b.cancels, f.RunID)
	}
	onCancel := func(c workflow.ReceiveChannel, _ bool) {
		var runID string
		c.Receive(ctx, &runID)
		if cancel, ok := b.cancels[runID]; ok {
			cancel()
		}
	}
	for {
		// Take in whatever arrived, without blocking.
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(runCh, onRun).AddReceive(doneCh, onDone).AddReceive(cancelCh, onCancel)
		for sel.HasPending() {
			sel.Select(ctx)
		}
		if len(b.done) > 0 {
			if err := workflow.ExecuteLocalActivity(lctx, finishActivity, b.done).Get(ctx, nil); err != nil {
				return fmt.Errorf("recording %d finished runs: %w", len(b.done), err)
			}
			b.done = nil
			continue
		}
		if n := min(len(b.queue), BatchRunsPerExecution-b.taken); n > 0 {
			batch := b.queue[:n]
			b.queue = b.queue[n:]
			b.claims++
			req := ClaimRequest{RunIDs: runIDs(batch), WorkflowID: info.WorkflowExecution.ID,
				TemporalRunID: info.WorkflowExecution.RunID,
				Token:         fmt.Sprintf("%s/%d", info.WorkflowExecution.RunID, b.claims)}
			var claimed []string
			if err := workflow.ExecuteLocalActivity(lctx, claimActivity, req).Get(ctx, &claimed); err != nil {
				return fmt.Errorf("claiming %d runs: %w", n, err)
			}
			ok := make(map[string]bool, len(claimed))
			for _, id := range claimed {
				ok[id] = true
			}
			for _, in := range batch {
				if !ok[in.RunID] {
					continue // a repeated signal, or a run another batch took
				}
				ok[in.RunID] = false // once, even if signalled twice here
				b.taken++
				b.inflight++
				rctx, cancel := workflow.WithCancel(ctx)
				b.cancels[in.RunID] = cancel
				workflow.Go(rctx, func(rctx workflow.Context) {
					f := runInBatch(rctx, in)
					doneCh.Send(rctx, f)
				})
			}
			continue
		}
		if b.taken >= BatchRunsPerExecution && b.inflight == 0 {
			if !b.sealed {
				// Temporal refuses to continue as new while signals wait,
				// and a refused task loses its local activity results. So
				// wait for the next signal first: that ends this task with
				// the steps that ran recorded, and the continue-as-new task
				// runs no step. (A timer would do too, but fires up to a
				// second late.)
				b.sealed = true
				sel.Select(ctx)
				continue
			}
			return workflow.NewContinueAsNewError(ctx, BatchWorkflowType, BatchState{Pending: b.queue})
		}
		sel.Select(ctx) // nothing to do: wait for a signal or a run's end
	}
}

func runIDs(ins []RunInput) []string {
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.RunID
	}
	return ids
}
