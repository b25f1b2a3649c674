package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tidwall/gjson"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/flows"
)

// Activities adapts connectors to Temporal activities: it renders the step's
// templates, runs one attempt, records it and classifies any failure.
type Activities struct {
	Registry *connectors.Registry
}

// RunStep runs one attempt of one step. Earlier attempts of the same step
// come back as heartbeat details, so the outcome lists every attempt.
func (a *Activities) RunStep(ctx context.Context, in StepInput) (*StepOutcome, error) {
	info := activity.GetInfo(ctx)
	var attempts []Attempt
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &attempts)
	}
	n := int(info.Attempt)
	if in.Attempt > 0 {
		n = in.Attempt
	}
	att := Attempt{Attempt: n, StartedAt: time.Now().UTC()}
	out := &StepOutcome{}
	res, err := a.attempt(ctx, in, n)
	att.DurationMS = time.Since(att.StartedAt).Milliseconds()
	if res != nil {
		out.Request, out.Response, out.Output = res.Request, res.Response, res.Output
		att.StatusCode = int(gjson.GetBytes(res.Response, "status").Int())
	}
	if err != nil {
		att.Error = err.Error()
	}
	out.Attempts = append(attempts, att)
	if err == nil {
		return out, nil
	}
	kind, retryAfter := connectors.Classify(err)
	if kind == connectors.Retryable && !info.IsLocalActivity {
		// Sent at once (the first heartbeat of an attempt is not batched),
		// so the next attempt sees this one.
		activity.RecordHeartbeat(ctx, out.Attempts)
	}
	return nil, temporal.NewApplicationErrorWithOptions(err.Error(), kind.String(), temporal.ApplicationErrorOptions{
		NonRetryable:   kind == connectors.Permanent,
		NextRetryDelay: retryAfter,
		Details:        []any{*out}, // a value: local activities hand it over undecoded
	})
}

func (a *Activities) attempt(ctx context.Context, in StepInput, n int) (*connectors.Result, error) {
	conn, ok := a.Registry.Get(in.Type)
	if !ok {
		return nil, connectors.Permanentf("unknown connector type %q", in.Type)
	}
	config, err := flows.Render(in.Config, in.Context)
	if err != nil {
		return nil, connectors.NewPermanent(fmt.Errorf("rendering step %q config: %w", in.StepID, err))
	}
	res, err := conn.Execute(ctx, connectors.Request{
		RunID: in.RunID, StepID: in.StepID, Attempt: n,
		Config: config, IdempotencyKey: in.IdempotencyKey,
	})
	if err != nil && errors.Is(err, context.Canceled) {
		return res, temporal.NewCanceledError()
	}
	return res, err
}
