package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/flows"
)

// Activities adapts connectors to Temporal activities: it renders the step's
// templates, runs one attempt, records it and classifies any failure.
type Activities struct {
	Registry *connectors.Registry
	// Runs, when set, starts the workflows that batched runs go on in
	// when a step's outcome is too large for their batch (see carryOff).
	Runs *Runs

	memoOnce sync.Once
	memo     *attemptMemo
}

// Outcomes of local step attempts are remembered this long (well past a
// few workflow task retries), and this many at most.
const (
	memoTTL      = 10 * time.Minute
	memoMax      = 50000
	memoMaxBytes = 128 << 20
)

// RunStep runs one attempt of one step. Earlier attempts of the same step
// come back as heartbeat details, so the outcome lists every attempt.
func (a *Activities) RunStep(ctx context.Context, in StepInput) (*StepOutcome, error) {
	info := activity.GetInfo(ctx)
	if !info.IsLocalActivity || in.Attempt == 0 {
		out, err := a.runStep(ctx, in, info)
		return a.slim(in.Type, out), err
	}
	// A local attempt is one local activity: the same attempt run again
	// means its workflow task was retried, and the request already went
	// out (see attemptMemo).
	memo := a.attempts()
	exec := info.WorkflowExecution.RunID
	key := in.RunID + "\x00" + in.StepID + "\x00" + strconv.Itoa(in.Attempt)
	if e, ok := memo.get(exec, key); ok {
		return e.out, e.err
	}
	out, err := a.runStep(ctx, in, info)
	if err == nil && in.Carry != nil && outcomeSize(out) > in.carryLimit() {
		out, err = a.carryOff(ctx, in, out)
	}
	out = a.slim(in.Type, out)
	if ctx.Err() == nil && !temporal.IsCanceledError(err) {
		memo.put(exec, key, out, err)
	}
	return out, err
}

// slim leaves out's output out when the step's connector rebuilds it
// exactly from out's response record (connectors.OutputDeriver): the
// output is then not recorded twice in the run's history.
func (a *Activities) slim(typ string, out *StepOutcome) *StepOutcome {
	if out == nil || len(out.Output) == 0 || a.Registry == nil {
		return out
	}
	d, ok := a.Registry.Deriver(typ)
	if !ok {
		return out
	}
	if rebuilt, ok := d.DeriveOutput(out.Response); ok && bytes.Equal(rebuilt, out.Output) {
		out.Output, out.OutputFromResponse = nil, true
	}
	return out
}

// attempts returns the worker's memo of local attempts, made on first use.
func (a *Activities) attempts() *attemptMemo {
	a.memoOnce.Do(func() { a.memo = newAttemptMemo(memoTTL, memoMax, memoMaxBytes) })
	return a.memo
}

// ForgetAttempts drops what the memo of local attempts holds for the
// workflow execution whose run id is temporalRunID. Its worker calls it
// once the execution has completed in a workflow task that ran no step:
// every attempt it ran is recorded in its history, and none will run
// again, so their outcomes need not wait out memoTTL.
func (a *Activities) ForgetAttempts(temporalRunID string) {
	a.attempts().forget(temporalRunID)
}

// RememberedAttempts is how many outcomes of local attempts the memo
// holds.
func (a *Activities) RememberedAttempts() int {
	m := a.attempts()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n
}

// runStep runs the attempt.
func (a *Activities) runStep(ctx context.Context, in StepInput, info activity.Info) (*StepOutcome, error) {
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
		att.StatusCode = res.Status
	}
	out, err = bound(out, err)
	if err != nil {
		att.Error = err.Error()
	}
	out.Attempts = append(attempts, att)
	if err == nil {
		return out, nil
	}
	if in.Carry != nil && outcomeSize(out) > in.carryLimit() {
		out.Request, out.Response = nil, nil // too large for the batch's task
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

// carryOff hands a batched run whose step succeeded with an outcome too
// large for its batch to a workflow of its own, which starts with the
// outcome in its input and goes on with the next step. The batch records
// only the attempts. Nothing is sent again: when the run cannot be handed
// off, the step fails.
func (a *Activities) carryOff(ctx context.Context, in StepInput, out *StepOutcome) (*StepOutcome, error) {
	fail := func(err error) (*StepOutcome, error) {
		small := StepOutcome{Attempts: out.Attempts, Request: out.Request, Response: out.Response}
		if outcomeSize(&small) > in.carryLimit() {
			small.Request, small.Response = nil, nil
		}
		small.Attempts[len(small.Attempts)-1].Error = err.Error()
		return nil, temporal.NewApplicationErrorWithOptions(err.Error(), connectors.Permanent.String(),
			temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{small}})
	}
	r, err := carryInput(in, out)
	if err != nil {
		return fail(err)
	}
	if a.Runs == nil {
		return fail(errors.New("handing the run to a workflow of its own: this worker has no Temporal client"))
	}
	_, temporalRunID, err := a.Runs.On(activity.GetInfo(ctx).TaskQueue).start(ctx, r)
	if err != nil {
		return fail(fmt.Errorf("handing the run to a workflow of its own: %w", err))
	}
	return &StepOutcome{Attempts: out.Attempts, HandedOff: temporalRunID}, nil
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
	if len(config) > maxRenderedConfigBytes {
		return nil, connectors.Permanentf("rendered config of step %q is %s; the limit is %s",
			in.StepID, connectors.Size(int64(len(config))), connectors.Size(maxRenderedConfigBytes))
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
