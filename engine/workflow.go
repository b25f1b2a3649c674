package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/flows"
)

// StepsQuery is the query name that answers the results so far.
const StepsQuery = "steps"

// FailureType is the application error type of a run that failed because a
// step failed with on_error "fail".
const FailureType = "StepFailed"

// Workflows are Flowline's workflow definitions with the one thing they
// consult besides their input: the connectors, which bound how long an
// attempt of their steps may take. RegisterWorkflow registers them.
type Workflows struct {
	Connectors *connectors.Registry
	// RunHistoryBytes is the history a run's own workflow may reach
	// before a step [DefaultRunHistoryBytes].
	RunHistoryBytes int
}

// runHistoryBytes is the history a run may reach before a step.
func (w Workflows) runHistoryBytes() int {
	if w.RunHistoryBytes > 0 {
		return w.RunHistoryBytes
	}
	return DefaultRunHistoryBytes
}

// RunShapeUnmarked is the FlowRun shape that takes local steps and the
// history cap without asking workflow.GetVersion. The input says so
// instead, and an input never changes on replay. Each GetVersion records a
// marker and, the first time in a run, upserts the TemporalChangeVersion
// search attribute: two history events more and a third visibility write
// per run (after its start and its close), for a choice every new run
// makes the same way. Runs whose input has no shape (started before, or
// by a Temporal Schedule) still ask GetVersion as they always did. A
// worker older than shapes that takes a shape-1 run records the markers as
// before, and this code replays that history too: the SDK's determinism
// check skips version markers and their upserts.
const RunShapeUnmarked = 1

// RunShape is the shape Runs gives the runs it starts.
const RunShape = RunShapeUnmarked

// FlowRun interprets one published flow version: it runs the steps in
// order as activities named after their connector, feeds each step's
// output to the templates of later steps, applies on_error and returns
// every step's outcome. It reads nothing but its input.
func (w Workflows) FlowRun(ctx workflow.Context, in RunInput) (*RunResult, error) {
	wfID := workflow.GetInfo(ctx).WorkflowExecution.ID
	if in.RunID == "" {
		// Started by a Temporal Schedule of an older version (today's
		// start a FlowScheduleFiring): the run id follows from the
		// workflow id, which Temporal made unique with the firing time.
		in.RunID, _ = RunIDOfWorkflow(wfID)
	}
	if in.StartedAt.IsZero() {
		in.StartedAt = workflow.Now(ctx).UTC()
	}
	run := NewStepRun(in, wfID, w.Connectors)
	first := 0
	if in.Resume != nil {
		first = in.Resume.Next
	}
	if err := workflow.SetQueryHandler(ctx, StepsQuery, func() (*RunResult, error) {
		return &RunResult{Steps: run.Steps}, nil
	}); err != nil {
		return nil, fmt.Errorf("registering steps query: %w", err)
	}
	local, capped := in.Shape >= RunShapeUnmarked, in.Shape >= RunShapeUnmarked
	if !local {
		// Runs started before steps became local activities replay on
		// the regular-activity path; later runs without a shape recorded
		// the marker and take the fast one.
		local = workflow.GetVersion(ctx, localStepsChange, workflow.DefaultVersion, 1) == 1
		// Runs started before the history cap replay without it: once
		// per run, so the marker is recorded before the first step.
		capped = workflow.GetVersion(ctx, runHistoryChange, workflow.DefaultVersion, 1) == 1
	}
	full := ""
	end, at, msg, err := run.Run(ctx, first, func(i int, step flows.Step, si StepInput) (StepOutcome, error, bool) {
		if full = historyTooLarge(ctx, w.runHistoryBytes()); capped && full != "" {
			return StepOutcome{}, nil, true
		}
		switch {
		case in.Resume != nil && i == first:
			out, err := runLocalStep(ctx, w.Connectors, step, si, in.Resume.Attempts, in.Resume.Delay)
			return out, err, false
		case local:
			out, err := runLocalStep(ctx, w.Connectors, step, si, nil, 0)
			return out, err, false
		default:
			out, err := runActivityStep(ctx, w.Connectors, step, si)
			return out, err, false
		}
	})
	if err != nil {
		return nil, err
	}
	result := &RunResult{Steps: run.Steps}
	switch end {
	case StepsStopped: // the history is full
		result.Steps = append(result.Steps, skipped(in.Document.Steps[at:])...)
		msg = fmt.Sprintf("step %q not started: %s", in.Document.Steps[at].ID, full)
	case StepsCanceled:
		TrimRecords(result.Steps)
		return nil, temporal.NewCanceledError(result)
	}
	TrimRecords(result.Steps)
	if end == StepsDone {
		return result, nil
	}
	return nil, temporal.NewNonRetryableApplicationError(msg, FailureType, nil, result)
}

// runContext is what a run's templates read, before any step ran.
func runContext(in RunInput) flows.RunContext {
	return flows.RunContext{
		Flow:    flows.FlowInfo{ID: in.FlowID, Name: in.FlowName, Version: in.Version},
		Run:     flows.RunInfo{ID: in.RunID, StartedAt: in.StartedAt},
		Event:   in.Trigger.Event,
		Data:    in.Trigger.Data,
		Message: in.Trigger.Message,
		Trigger: in.Trigger.TriggerInfo,
	}
}

// errorMessage says why a step failed, without the wrapping layers.
func errorMessage(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	var timeoutErr *temporal.TimeoutError
	if errors.As(err, &timeoutErr) {
		return "step timed out: " + timeoutErr.TimeoutType().String()
	}
	var actErr *temporal.ActivityError
	if errors.As(err, &actErr) && errors.Unwrap(actErr) != nil {
		return errors.Unwrap(actErr).Error()
	}
	return err.Error()
}

// OutcomeOf reads the outcome a failed attempt carries in its details.
func OutcomeOf(err error) (StepOutcome, bool) {
	var appErr *temporal.ApplicationError
	var out StepOutcome
	if errors.As(err, &appErr) && appErr.HasDetails() && appErr.Details(&out) == nil {
		return out, true
	}
	return out, false
}

// defaultAttemptTimeout bounds an attempt whose connector this worker
// lacks (the attempt then fails at once).
const defaultAttemptTimeout = 2 * time.Minute

// attemptTimeout bounds one attempt of step, as its connector says.
func attemptTimeout(conns *connectors.Registry, step flows.Step) time.Duration {
	if conns != nil {
		if c, ok := conns.Get(step.Type); ok {
			if d := c.AttemptTimeout(step.Config); d > 0 {
				return d
			}
		}
	}
	return defaultAttemptTimeout
}

// idempotencyKey is stable across retries of one step of one run and
// differs between runs.
func idempotencyKey(workflowID, stepID string) string {
	sum := sha256.Sum256([]byte(workflowID + "\x00" + stepID))
	return hex.EncodeToString(sum[:16])
}
