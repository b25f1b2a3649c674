package batch

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/flows"

	"github.com/flowline/flowline/engine"
)

// runInBatch runs one run's steps inside a batch workflow, one attempt
// each as local activities. The idempotency keys are those of the run's
// own workflow, so a handed-off retry sends the same key. When a step needs
// another attempt the run is handed off and runInBatch reports where it
// went. budget, when set, bounds what the batch's workflow tasks record.
func runInBatch(ctx workflow.Context, conns *connectors.Registry, in engine.RunInput, budget *taskBudget) engine.FinishedRun {
	run := engine.NewStepRun(in, engine.WorkflowID(in.RunID), conns)
	var elsewhere engine.FinishedRun // where a stopped run went
	end, _, msg, _ := run.Run(ctx, 0, func(i int, step flows.Step, si engine.StepInput) (engine.StepOutcome, error, bool) {
		held := 0
		if budget != nil {
			held = budget.hold(ctx)
		}
		lctx, si := batchAttempt(ctx, conns, in, run, i, si, held, budget != nil)
		var out engine.StepOutcome
		start := workflow.Now(ctx)
		err := workflow.ExecuteLocalActivity(lctx, step.Type, si).Get(ctx, &out)
		out = attemptOutcome(ctx, out, err, start)
		if budget != nil {
			budget.record(held, &out, err)
		}
		handed, resume := leaving(ctx, in, run, i, out, err)
		switch {
		case handed != nil:
			elsewhere = *handed
			return out, nil, true
		case resume != nil:
			elsewhere = handOff(ctx, in, *resume)
			return out, err, true
		}
		return out, err, false
	})
	if end == engine.StepsStopped {
		return elsewhere
	}
	return endedInBatch(ctx, in, run, end, msg)
}

// handOff starts the run's own FlowRun workflow (through a local activity
// and the client, not as a child: a batch may hand off thousands of runs,
// beyond Temporal's limit on pending children) to go on from where the
// batch left it. It has the workflow id and search attributes a run
// started on its own would have, so GET /runs and the Temporal UI list it
// like any other; starting it again (a retried task) finds the same one.
func handOff(ctx workflow.Context, in engine.RunInput, r engine.Resume) engine.FinishedRun {
	in = handOffInput(in, &r)
	// Not canceled with the run: once started, the run's own workflow is
	// where a cancel must go, and the ledger must say where it went.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	var temporalRunID string
	err := workflow.ExecuteLocalActivity(handOffOptions(dctx, in.RunID), handOffActivity, in).Get(dctx, &temporalRunID)
	return handedOff(ctx, in, r, temporalRunID, err)
}

// handOffInput is the input of run in's own workflow going on from r.
func handOffInput(in engine.RunInput, r *engine.Resume) engine.RunInput {
	engine.TrimRecords(r.Steps)
	in.Resume = r
	return in
}

// handOffOptions are the options of the local activity that starts a
// run's own workflow.
func handOffOptions(ctx workflow.Context, runID string) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: 7 * 24 * time.Hour,
		StartToCloseTimeout:    30 * time.Second,
		Summary:                fmt.Sprintf("run %s to a workflow of its own", runID),
	})
}

// handedOff reports where a hand-off took the run: its own workflow, or
// nowhere when starting it failed with err.
func handedOff(ctx workflow.Context, in engine.RunInput, r engine.Resume, temporalRunID string, err error) engine.FinishedRun {
	if err != nil {
		t := closedAt(workflow.Now(ctx), r.Steps)
		return engine.FinishedRun{RunID: in.RunID, Status: engine.StatusFailed, Steps: r.Steps, ClosedAt: &t,
			Error: "handing the run to a workflow of its own for a retry: " + err.Error()}
	}
	return engine.FinishedRun{RunID: in.RunID, Status: engine.StatusHandedOff, Steps: r.Steps,
		WorkflowID: engine.WorkflowID(in.RunID), TemporalRunID: temporalRunID}
}

// closedAt is when a batched run ended: workflow time stands still while a
// workflow task runs its local activities, so the end of the last attempt
// is later than it whenever the steps ran in the same task.
func closedAt(now time.Time, steps []engine.StepResult) time.Time {
	end := now.UTC()
	for _, s := range steps {
		for _, a := range s.Attempts {
			if t := a.StartedAt.Add(time.Duration(a.DurationMS) * time.Millisecond).UTC(); t.After(end) {
				end = t
			}
		}
	}
	return end
}
