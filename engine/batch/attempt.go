package batch

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/engine"
)

// The parts of one step's attempt in a batch that both drivers share: a
// coroutine per run (runInBatch, executions begun before
// oneCoroutineChange) and the workflow's own coroutine (runner).

// batchAttempt prepares step i's one attempt of run in: the local
// activity's context (its marker's summary names the run and the step,
// for the Temporal UI's event history) and its input, which carries the
// run for a hand-off. held is what the task budget holds for the outcome;
// budgeted says there is a budget (else no limit is set).
func batchAttempt(ctx workflow.Context, conns *connectors.Registry, in engine.RunInput, run *engine.StepRun, i int,
	si engine.StepInput, held int, budgeted bool) (workflow.Context, engine.StepInput) {
	step := run.Step(i)
	si.Attempt = 1
	carry := in
	carry.Resume = &engine.Resume{Steps: run.Steps, Outputs: run.Outputs, Next: i + 1}
	si.Carry = &carry
	if budgeted {
		si.CarryLimit = held - markerBytes
	}
	return workflow.WithLocalActivityOptions(ctx, engine.AttemptOptions(conns, step, fmt.Sprintf("run %s, step %s", in.RunID, step.ID))), si
}

// attemptOutcome completes what an attempt begun at start answered: a
// failure's outcome, and an attempt recorded for one canceled in flight.
func attemptOutcome(ctx workflow.Context, out engine.StepOutcome, err error, start time.Time) engine.StepOutcome {
	if err != nil {
		out, _ = engine.OutcomeOf(err)
		if len(out.Attempts) == 0 && engine.Canceled(ctx, err) {
			out.Attempts = []engine.Attempt{engine.CanceledAttempt(ctx, 1, start)}
		}
	}
	return out
}

// leaving says whether run in leaves the batch after step i's attempt:
// handed, when its outcome was too large for the batch (the run goes on in
// its own workflow, which holds the outcome); resume, when the step needs
// another attempt (the run goes on in a workflow of its own from there).
// Neither: the run stays.
func leaving(ctx workflow.Context, in engine.RunInput, run *engine.StepRun, i int, out engine.StepOutcome, err error) (handed *engine.FinishedRun, resume *engine.Resume) {
	if err == nil && out.HandedOff != "" {
		return &engine.FinishedRun{RunID: in.RunID, Status: engine.StatusHandedOff, Steps: run.Steps,
			WorkflowID: engine.WorkflowID(in.RunID), TemporalRunID: out.HandedOff}, nil
	}
	if err != nil && !engine.Canceled(ctx, err) {
		if delay, retry := engine.NextDelay(err, engine.RetryPolicy(run.Step(i).Retry), 1); retry {
			return nil, &engine.Resume{Steps: run.Steps, Outputs: run.Outputs, Next: i, Attempts: out.Attempts, Delay: delay}
		}
	}
	return nil, nil
}

// endedInBatch is run in as it ended in the batch: how (end) and, for a
// failure, why (msg).
func endedInBatch(ctx workflow.Context, in engine.RunInput, run *engine.StepRun, end engine.StepsEnd, msg string) engine.FinishedRun {
	status := map[engine.StepsEnd]string{engine.StepsDone: engine.StatusSucceeded, engine.StepsFailed: engine.StatusFailed, engine.StepsCanceled: engine.StatusCanceled}[end]
	t := closedAt(workflow.Now(ctx), run.Steps)
	engine.TrimRecords(run.Steps)
	return engine.FinishedRun{RunID: in.RunID, Status: status, Steps: run.Steps, Error: msg, ClosedAt: &t}
}
