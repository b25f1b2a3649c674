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

// batchTaskTimeout is the batch workflows' workflow task timeout. A task
// whose worker died is given to another worker only once it times out,
// so the runs it carried wait that long (Temporal's default, 10 s, was
// the p99 of the production topology through a worker's kill). While
// local activities run, the SDK answers the task at 80 % of it (3.2 s)
// and goes on in a new one; a task that outlives it is retried, and the
// steps it ran but had not yet recorded run again (once per worker: the
// attempt memo). 2 s made two of 33 heartbeats late on a loaded machine;
// 4 s leaves 0.8 s of slack.
const batchTaskTimeout = 4 * time.Second

// BatchWorkflowID is the workflow id of one lane of a flow's batch
// workflow for the window starting at window: readable, with the flow id
// in it, so the Temporal UI finds a flow's batches with
// `WorkflowId STARTS_WITH "flowline-batch-<flow id>-"`.
func BatchWorkflowID(flowID string, window time.Time, lane int) string {
	return fmt.Sprintf("flowline-batch-%s-%s-%d", flowID, window.UTC().Format("20060102T150405"), lane)
}

// batchLane picks the lane of a run, or of a group of runs handed over
// together (by its first run): the same run alone always goes to the same
// lane. Which lane a run goes to is not what keeps it from running twice
// (a batch's claim is), so a group keeps together in the lane of its
// first run: one signal instead of one per lane.
func batchLane(runID string, lanes int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(runID))
	return int(h.Sum32() % uint32(lanes))
}

// batchWindow is the start of the window in's trigger arrived in.
func batchWindow(in RunInput, opts BatchOptions) time.Time {
	return in.StartedAt.Truncate(opts.WithDefaults().Window)
}

// Enqueue hands in to a batch workflow of its flow shaped by opts, on
// the lane its run id hashes to, starting one if none runs, and returns
// once Temporal has recorded the signal: from then on the run survives
// any crash. The caller has recorded the run in the ledger first.
func (r *Runs) Enqueue(ctx context.Context, in RunInput, opts BatchOptions) (*Run, error) {
	runs, err := r.EnqueueMany(ctx, []RunInput{in}, opts, batchLane(in.RunID, max(opts.Lanes, 1)))
	if err != nil {
		return nil, err
	}
	return runs[0], nil
}

// EnqueueMany hands ins, runs of one flow whose triggers arrived in one
// window, to one batch execution with one signal (BatchRunsSignal): the
// window's on lane (the caller's pick). It starts the execution if it does not run,
// and returns once Temporal has recorded the signal, trying again in
// attempts of handOverAttempt while ctx lasts. The caller has recorded the
// runs in the ledger first.
func (r *Runs) EnqueueMany(ctx context.Context, ins []RunInput, opts BatchOptions, lane int) ([]*Run, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	opts = opts.WithDefaults()
	in := ins[0]
	window := batchWindow(in, opts)
	wfID := BatchWorkflowID(in.FlowID, window, lane)
	for _, o := range ins[1:] {
		if o.FlowID != in.FlowID || !o.StartedAt.Truncate(opts.Window).Equal(window) {
			return nil, fmt.Errorf("handing runs to batch %s: run %s belongs to another flow or window", wfID, o.RunID)
		}
	}
	signal := PackRuns(ins)
	temporalRunID, err := inAttempts(ctx, handOverAttempt, func(ctx context.Context) (string, error) {
		// The signal to a known execution is sent without the SDK's
		// help, so it needs the namespace the client was dialled with.
		if runID := r.open.get(wfID); runID != "" && r.Namespace != "" {
			ended, err := r.signalOpen(ctx, wfID, runID, signal)
			if !ended {
				return runID, err
			}
			r.open.forget(wfID, runID)
		}
		we, err := r.Client.SignalWithStartWorkflow(ctx, wfID, BatchRunsSignal, signal, client.StartWorkflowOptions{
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
			return "", err
		}
		r.open.put(wfID, we.GetRunID(), window)
		return we.GetRunID(), nil
	})
	if err != nil {
		if len(ins) == 1 {
			return nil, fmt.Errorf("handing run %s to batch %s: %w", in.RunID, wfID, err)
		}
		return nil, fmt.Errorf("handing %d runs (%s, …) to batch %s: %w", len(ins), in.RunID, wfID, err)
	}
	runs := make([]*Run, len(ins))
	url := r.UIURL(wfID, temporalRunID)
	for i, in := range ins {
		runs[i] = &Run{RunID: in.RunID, WorkflowID: wfID, FlowID: in.FlowID, FlowVersion: in.Version,
			Status: StatusRunning, StartedAt: in.StartedAt, TemporalUIURL: url}
	}
	return runs, nil
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

// AwaitOwn waits until runID's own workflow has ended, by a long poll on
// its close (Temporal answers it the moment the workflow closes). How it
// ended is read elsewhere; a run with no workflow of its own, or a
// failed wait, returns at once, and only ctx's end is an error.
func (r *Runs) AwaitOwn(ctx context.Context, runID string) error {
	_ = r.Client.GetWorkflow(ctx, WorkflowID(runID), "").Get(ctx, nil)
	return ctx.Err()
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
