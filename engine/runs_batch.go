package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// batchTaskTimeout is the batch workflows' workflow task timeout (the
// Temporal default). A task that outlives it is retried, and the steps it
// ran but had not yet recorded run again; the SDK records finished steps at
// 80 % of it, so a shorter one would cut how long a slow step holds back
// new arrivals, at the price of that risk under load.
const batchTaskTimeout = 10 * time.Second

// BatchWorkflowID is the workflow id of one lane of a flow's batch
// workflow for the window starting at window: readable, with the flow id
// in it, so the Temporal UI finds a flow's batches with
// `WorkflowId STARTS_WITH "flowline-batch-<flow id>-"`.
func BatchWorkflowID(flowID string, window time.Time, lane int) string {
	return fmt.Sprintf("flowline-batch-%s-%s-%d", flowID, window.UTC().Format("20060102T150405"), lane)
}

// batchLane picks the lane of a run: the same run always goes to the same
// lane, so a repeated trigger meets its first signal's batch.
func batchLane(runID string, lanes int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(runID))
	return int(h.Sum32() % uint32(lanes))
}

// Enqueue hands in to a batch workflow of its flow shaped by opts,
// starting one if none runs, and returns once Temporal has recorded the signal: from then on
// the run survives any crash. The caller has recorded the run in the
// ledger first.
func (r *Runs) Enqueue(ctx context.Context, in RunInput, opts BatchOptions) (*Run, error) {
	opts = opts.WithDefaults()
	lanes := max(opts.Lanes, 1)
	window := in.StartedAt.Truncate(opts.Window)
	wfID := BatchWorkflowID(in.FlowID, window, batchLane(in.RunID, lanes))
	we, err := r.Client.SignalWithStartWorkflow(ctx, wfID, BatchRunSignal, in, client.StartWorkflowOptions{
		ID:                    wfID,
		TaskQueue:             r.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		// A workflow task stays open while its local activities run; the
		// SDK completes it (recording the finished ones) at 80% of this,
		// which bounds how long a slow step delays newly arrived runs and
		// how much is redone after a crash.
		WorkflowTaskTimeout: batchTaskTimeout,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			SAFlowID.ValueSet(in.FlowID), SATrigger.ValueSet(in.Trigger.Type)),
		Memo:          map[string]any{"flow_name": in.FlowName},
		StaticSummary: fmt.Sprintf("runs of flow %s from %s", in.FlowName, window.UTC().Format(time.TimeOnly)),
	}, BatchWorkflowType, BatchState{Until: window.Add(opts.Window), Grace: opts.Grace, RunsPerExecution: opts.RunsPerExecution})
	if err != nil {
		return nil, fmt.Errorf("handing run %s to batch %s: %w", in.RunID, wfID, err)
	}
	return &Run{
		RunID: in.RunID, WorkflowID: wfID, FlowID: in.FlowID, FlowVersion: in.Version,
		Status: StatusRunning, StartedAt: in.StartedAt,
		TemporalUIURL: r.UIURL(wfID, we.GetRunID()),
	}, nil
}

// CancelBatched asks the batch workflow execution carrying runID to
// cancel it.
func (r *Runs) CancelBatched(ctx context.Context, runID string, b BatchRef) error {
	if err := r.Client.SignalWorkflow(ctx, b.WorkflowID, b.TemporalRunID, BatchCancelSignal, runID); err != nil {
		return notFound(runID, err)
	}
	return nil
}

// BatchOpen reports whether a batch workflow execution is still running;
// one Temporal no longer knows counts as closed.
func (r *Runs) BatchOpen(ctx context.Context, b BatchRef) (bool, error) {
	desc, err := r.Client.DescribeWorkflowExecution(ctx, b.WorkflowID, b.TemporalRunID)
	if err != nil {
		if errors.Is(notFound("", err), ErrRunNotFound) {
			return false, nil
		}
		return false, fmt.Errorf("describing batch %s: %w", b.WorkflowID, err)
	}
	return desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}

// OwnRun reports whether runID has a workflow of its own (it was started
// on its own or handed off by a batch), and that workflow's Temporal run
// id.
func (r *Runs) OwnRun(ctx context.Context, runID string) (string, bool, error) {
	desc, err := r.Client.DescribeWorkflowExecution(ctx, WorkflowID(runID), "")
	if err != nil {
		if errors.Is(notFound(runID, err), ErrRunNotFound) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("describing run %s: %w", runID, err)
	}
	return desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), true, nil
}
