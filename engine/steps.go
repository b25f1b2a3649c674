package engine

import (
	"errors"
	"math"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/flows"
)

// localStepsChange names the workflow change that runs steps as local
// activities (workflow.GetVersion).
const localStepsChange = "local-activity-steps"

// runActivityStep runs a step as a regular activity; Temporal retries it
// with the step's retry policy and earlier attempts travel as heartbeat
// details.
func runActivityStep(ctx workflow.Context, conns *connectors.Registry, step flows.Step, in StepInput) (StepOutcome, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ActivityID:          step.ID,
		StartToCloseTimeout: attemptTimeout(conns, step),
		RetryPolicy:         RetryPolicy(step.Retry),
	})
	var out StepOutcome
	err := workflow.ExecuteActivity(actx, step.Type, in).Get(ctx, &out)
	if err != nil {
		out, _ = OutcomeOf(err)
	}
	return out, err
}

// runLocalStep runs a step as local activities, one attempt each, in the
// worker that runs the workflow: no task-queue round trip and no activity
// events in history, only a marker per attempt. The step's retry policy is
// applied here, with durable timers between attempts, so every attempt is
// recorded and a Retry-After delay replaces the backoff. A step a batch
// workflow already tried goes on after its prior attempts, once delay has
// passed.
func runLocalStep(ctx workflow.Context, conns *connectors.Registry, step flows.Step, in StepInput, prior []Attempt, delay time.Duration) (StepOutcome, error) {
	policy := RetryPolicy(step.Retry)
	lctx := workflow.WithLocalActivityOptions(ctx, AttemptOptions(conns, step, ""))
	all := StepOutcome{Attempts: append([]Attempt(nil), prior...)}
	if delay > 0 {
		if err := workflow.Sleep(ctx, delay); err != nil {
			return all, err
		}
	}
	for attempt := len(prior) + 1; ; attempt++ {
		in.Attempt = attempt
		var out StepOutcome
		start := workflow.Now(ctx)
		err := workflow.ExecuteLocalActivity(lctx, step.Type, in).Get(ctx, &out)
		if err != nil {
			out, _ = OutcomeOf(err)
			if len(out.Attempts) == 0 && Canceled(ctx, err) {
				out.Attempts = []Attempt{CanceledAttempt(ctx, attempt, start)}
			}
		}
		all.Attempts = append(all.Attempts, out.Attempts...)
		all.Request, all.Response, all.Output, all.OutputFromResponse = out.Request, out.Response, out.Output, out.OutputFromResponse
		if err == nil {
			return all, nil
		}
		delay, retry := NextDelay(err, policy, attempt)
		if !retry || ctx.Err() != nil {
			return all, err
		}
		if serr := workflow.Sleep(ctx, delay); serr != nil {
			return all, serr
		}
	}
}

// NextDelay decides whether a failed attempt is tried again, and after how
// long: the remote side's Retry-After when it gave one, else the policy's
// exponential backoff.
func NextDelay(err error, p *temporal.RetryPolicy, attempt int) (time.Duration, bool) {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && (appErr.NonRetryable() || appErr.Type() == connectors.Permanent.String()) {
		return 0, false
	}
	if temporal.IsCanceledError(err) {
		return 0, false
	}
	if p.MaximumAttempts > 0 && attempt >= int(p.MaximumAttempts) {
		return 0, false
	}
	if appErr != nil && appErr.NextRetryDelay() > 0 {
		return appErr.NextRetryDelay(), true
	}
	d := time.Duration(float64(p.InitialInterval) * math.Pow(p.BackoffCoefficient, float64(attempt-1)))
	if p.MaximumInterval > 0 && d > p.MaximumInterval {
		d = p.MaximumInterval
	}
	return d, true
}

// stepInput is the activity input for step of run in, its templates
// reading rc. wfID names the run's own workflow: the idempotency key
// follows it, so a run handed from a batch to its own workflow keeps it.
func stepInput(in RunInput, step flows.Step, rc *flows.RunContext, wfID string) (StepInput, error) {
	// encoding/json sorts map keys: the bytes are deterministic, though
	// workflowcheck cannot tell.
	rcJSON, err := rc.Bytes() //workflowcheck:ignore
	if err != nil {
		return StepInput{}, err
	}
	return StepInput{RunID: in.RunID, StepID: step.ID, Type: step.Type, Config: step.Config,
		Context: rcJSON, IdempotencyKey: idempotencyKey(wfID, step.ID)}, nil
}

// AttemptOptions are the local activity options of one attempt of step
// (Temporal retries nothing: the caller decides), with an optional summary
// for the Temporal UI.
func AttemptOptions(conns *connectors.Registry, step flows.Step, summary string) workflow.LocalActivityOptions {
	timeout := attemptTimeout(conns, step)
	return workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: timeout,
		StartToCloseTimeout:    timeout,
		RetryPolicy:            &temporal.RetryPolicy{MaximumAttempts: 1},
		Summary:                summary,
	}
}

// stepResult reports a step from its outcome; a failed step carries why.
func stepResult(step flows.Step, out StepOutcome, err error) StepResult {
	sr := StepResult{ID: step.ID, Type: step.Type, Status: StepSucceeded,
		Attempts: out.Attempts, Request: out.Request, Response: out.Response}
	if err != nil {
		sr.Status, sr.Error = StepFailed, errorMessage(err)
	}
	return sr
}

// CanceledAttempt records attempt n of a step whose run was canceled
// while it was in flight: its outcome never comes back, but its request
// may have gone out.
func CanceledAttempt(ctx workflow.Context, n int, start time.Time) Attempt {
	return Attempt{Attempt: n, StartedAt: start.UTC(), Error: "canceled while in flight",
		DurationMS: workflow.Now(ctx).Sub(start).Milliseconds()}
}

// canceled reports whether a step failed because its run was canceled.
func Canceled(ctx workflow.Context, err error) bool {
	return temporal.IsCanceledError(err) || ctx.Err() != nil
}

// skipped reports the steps after one that failed the run.
func skipped(rest []flows.Step) []StepResult {
	out := make([]StepResult, len(rest))
	for i, s := range rest {
		out[i] = StepResult{ID: s.ID, Type: s.Type, Status: StepSkipped, Attempts: []Attempt{}}
	}
	return out
}
