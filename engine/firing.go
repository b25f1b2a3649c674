package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/flows"
)

// FiringWorkflowType is the workflow a flow's Temporal Schedule starts at
// each firing. A schedule can only start a workflow; this one hands the
// firing's run to the run service, like any other trigger, and ends.
const FiringWorkflowType = "FlowScheduleFiring"

// startScheduledRunActivity names the local activity through which a
// firing starts its run.
const startScheduledRunActivity = "StartScheduledRun"

// FiringService is what a schedule firing needs of the run service
// (*Service): to see whether its flow may still start runs, to read its
// run, to see whether another run of its flow is going, and to start its
// run.
type FiringService interface {
	FlowStates
	Get(ctx context.Context, runID string) (*RunDetail, error)
	List(ctx context.Context, f RunFilter) ([]Run, string, error)
	Start(ctx context.Context, in RunInput) (*Run, error)
}

// FlowStates tells whether a flow may start runs (the store implements
// it).
type FlowStates interface {
	// FlowLive reports whether the flow exists, is enabled and has a
	// published version.
	FlowLive(ctx context.Context, flowID string) (bool, error)
}

// FiringInputError is the failure type of a firing whose input is
// malformed: retrying cannot help, so it is not retried.
const FiringInputError = "FlowScheduleFiringInput"

// Firing is what a schedule firing did, its workflow's result: the run it
// started and the execution that carries that run (a batch workflow, or
// the run's own), or why it started none.
type Firing struct {
	RunID      string `json:"run_id,omitempty"`
	WorkflowID string `json:"workflow_id,omitempty"`
	// Skipped says why the firing started no run: another run of the
	// flow was still going.
	Skipped string `json:"skipped,omitempty"`
}

// firingStartTimeout bounds one try at starting a firing's run: the run
// service records it and hands it over within its own 30 s.
const firingStartTimeout = time.Minute

// firingRetryFor is how long a firing goes on trying to start its run
// (a store or Temporal outage): in effect until it succeeds. Meanwhile
// the schedule skips later firings (its overlap policy), so an outage
// never piles runs up.
const firingRetryFor = 365 * 24 * time.Hour

// FlowScheduleFiring is one firing of a flow's schedule. in is the run
// input the schedule carries (the pinned version, trigger type
// schedule); the run id derives from the firing's workflow id and the
// trigger id is that workflow id, so a firing whose local activity is
// retried, or whose workflow task is replayed, names the same run, which
// the run service starts once. It returns once the run is durably
// recorded, not when it ends; a firing while another run of the flow is
// going starts none (StartScheduledRun).
func FlowScheduleFiring(ctx workflow.Context, in RunInput) (*Firing, error) {
	in = firingRun(in, workflow.GetInfo(ctx).WorkflowExecution.ID, workflow.Now(ctx))
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    firingStartTimeout,
		ScheduleToCloseTimeout: firingRetryFor,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		},
	})
	var f Firing
	if err := workflow.ExecuteLocalActivity(lctx, startScheduledRunActivity, in).Get(ctx, &f); err != nil {
		return nil, fmt.Errorf("starting scheduled run %s: %w", in.RunID, err)
	}
	if f.RunID != "" {
		// Found by its run id in the Temporal UI, like the batch that
		// carries the run.
		if err := workflow.UpsertTypedSearchAttributes(ctx, SARunIDs.ValueSet([]string{f.RunID})); err != nil {
			return nil, fmt.Errorf("listing run %s on its firing: %w", f.RunID, err)
		}
	}
	return &f, nil
}

// firingRun is the input of the run that the firing with workflow id
// wfID, at now, starts.
func firingRun(in RunInput, wfID string, now time.Time) RunInput {
	in.RunID = ScheduledRunID(in.FlowID, wfID)
	in.Trigger.ID = wfID
	in.StartedAt = now.UTC()
	return in
}

// firingActivities start the runs of schedule firings.
type firingActivities struct {
	runs FiringService
}

// StartScheduledRun starts a firing's run through the run service. While
// another run of the flow is going, the firing is skipped, as
// Temporal skipped a firing while the previous run's workflow was open
// when schedules started runs themselves. "Going" is read from the run
// list, which for runs with workflows of their own comes from Temporal's
// visibility and lags their start by up to a second or so: a firing that
// close behind such a run's start may start a second run beside it.
//
// A firing of a flow deleted or disabled since it began (its schedule is
// deleted or paused, but a firing already retrying goes on) is skipped:
// each try checks the flow first, so a firing never outlives its flow by
// more than one retry interval. That check, rather than terminating
// open firings when a schedule is deleted, covers disabling as well and
// needs no listing of firings (whose visibility lags too). A malformed
// input fails at once, not retried. Other errors (the store or Temporal
// out of reach) are retried, for up to firingRetryFor.
func (a *firingActivities) StartScheduledRun(ctx context.Context, in RunInput) (*Firing, error) {
	if a.runs == nil {
		// A worker wired without the run service: the try fails and is
		// retried, loudly.
		return nil, errors.New("this worker has no run service")
	}
	if in.FlowID == "" || in.Version < 1 || in.RunID == "" || in.Trigger.Type != flows.TriggerSchedule {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"malformed firing input: flow %q, version %d, run %q, trigger %q", in.FlowID, in.Version, in.RunID, in.Trigger.Type),
			FiringInputError, nil)
	}
	// A try whose answer was lost may have recorded the run: then it is
	// started again (the run service starts nothing twice, and hands
	// over a run recorded but perhaps never handed over), never skipped.
	_, err := a.runs.Get(ctx, in.RunID)
	switch {
	case errors.Is(err, ErrRunNotFound):
		live, err := a.runs.FlowLive(ctx, in.FlowID)
		if err != nil {
			return nil, fmt.Errorf("reading flow %s: %w", in.FlowID, err)
		}
		if !live {
			return &Firing{Skipped: "the flow is disabled, unpublished or deleted"}, nil
		}
		going, _, err := a.runs.List(ctx, RunFilter{FlowID: in.FlowID, Status: StatusRunning, PageSize: 1})
		if err != nil {
			return nil, fmt.Errorf("listing the runs of flow %s going: %w", in.FlowID, err)
		}
		if len(going) > 0 {
			return &Firing{Skipped: fmt.Sprintf("run %s of the flow is still going", going[0].RunID)}, nil
		}
	case err != nil:
		return nil, fmt.Errorf("reading scheduled run %s: %w", in.RunID, err)
	}
	run, err := a.runs.Start(ctx, in)
	if err != nil {
		return nil, err // FlowScheduleFiring names the run
	}
	return &Firing{RunID: run.RunID, WorkflowID: run.WorkflowID}, nil
}
