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
func runActivityStep(ctx workflow.Context, step flows.Step, in StepInput) (StepOutcome, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ActivityID:          step.ID,
		StartToCloseTimeout: attemptTimeout(step.Config),
		RetryPolicy:         retryPolicy(step.Retry),
	})
	var out StepOutcome
	err := workflow.ExecuteActivity(actx, step.Type, in).Get(ctx, &out)
	if err != nil {
		out, _ = outcomeOf(err)
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
func runLocalStep(ctx workflow.Context, step flows.Step, in StepInput, prior []Attempt, delay time.Duration) (StepOutcome, error) {
	policy := retryPolicy(step.Retry)
	timeout := attemptTimeout(step.Config)
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: timeout,
		StartToCloseTimeout:    timeout,
		RetryPolicy:            &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	all := StepOutcome{Attempts: append([]Attempt(nil), prior...)}
	if delay > 0 {
		if err := workflow.Sleep(ctx, delay); err != nil {
			return all, err
		}
	}
	for attempt := len(prior) + 1; ; attempt++ {
		in.Attempt = attempt
		var out StepOutcome
		err := workflow.ExecuteLocalActivity(lctx, step.Type, in).Get(ctx, &out)
		if err != nil {
			out, _ = outcomeOf(err)
		}
		all.Attempts = append(all.Attempts, out.Attempts...)
		all.Request, all.Response, all.Output = out.Request, out.Response, out.Output
		if err == nil {
			return all, nil
		}
		delay, retry := nextDelay(err, policy, attempt)
		if !retry || ctx.Err() != nil {
			return all, err
		}
		if serr := workflow.Sleep(ctx, delay); serr != nil {
			return all, serr
		}
	}
}

// nextDelay decides whether a failed attempt is tried again, and after how
// long: the remote side's Retry-After when it gave one, else the policy's
// exponential backoff.
func nextDelay(err error, p *temporal.RetryPolicy, attempt int) (time.Duration, bool) {
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
