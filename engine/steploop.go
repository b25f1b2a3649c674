package engine

import (
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/flows"
)

// stepsEnd is how a run's step loop ended.
type stepsEnd int

const (
	// stepsDone: every step ran (a failed one had on_error continue).
	stepsDone stepsEnd = iota
	// stepsFailed: a step failed the run; the later ones are skipped.
	stepsFailed
	// stepsCanceled: the run was canceled while a step was in flight.
	stepsCanceled
	// stepsStopped: the carrier stopped the run before or after a step
	// (a batch handing it off, a history that is full).
	stepsStopped
)

// stepTry runs one step of a run as its carrier does (its own workflow:
// with retries; a batch: one attempt) and returns the outcome, or stop
// when the carrier takes the run elsewhere instead.
type stepTry func(i int, step flows.Step, si StepInput) (out StepOutcome, err error, stop bool)

// stepRun is one run going through its steps: the one step loop both the
// FlowRun and the FlowBatch workflow drive.
type stepRun struct {
	in    RunInput
	wfID  string
	rc    flows.RunContext
	steps []StepResult
	// outputs keeps the succeeded steps' outputs, for a run a batch may
	// hand to a workflow of its own.
	outputs map[string]json.RawMessage
}

// newStepRun starts run in, whose own workflow is wfID (its idempotency
// keys follow it); a resumed run starts with the steps it finished.
func newStepRun(in RunInput, wfID string) *stepRun {
	r := &stepRun{in: in, wfID: wfID, rc: runContext(in),
		steps: make([]StepResult, 0, len(in.Document.Steps)), outputs: map[string]json.RawMessage{}}
	if res := in.Resume; res != nil {
		r.steps = append(r.steps, res.Steps...)
		for _, s := range res.Steps {
			if s.Status == StepSucceeded {
				r.rc.WithStep(s.ID, res.Outputs[s.ID])
				r.outputs[s.ID] = res.Outputs[s.ID]
			}
		}
	}
	return r
}

// run goes through the steps from first: it renders each one's input,
// has try run it, feeds its output to later templates and applies
// on_error. It returns how it ended, the index of the step it ended at,
// and for stepsFailed why.
func (r *stepRun) run(ctx workflow.Context, first int, try stepTry) (stepsEnd, int, string, error) {
	all := r.in.Document.Steps
	for i := first; i < len(all); i++ {
		step := all[i]
		si, err := stepInput(r.in, step, &r.rc, r.wfID)
		if err != nil {
			return stepsFailed, i, err.Error(), err
		}
		out, err, stop := try(i, step, si)
		if stop {
			return stepsStopped, i, "", nil
		}
		sr := stepResult(step, out, err)
		if err == nil {
			r.rc.WithStep(step.ID, out.Output)
			r.outputs[step.ID] = out.Output
			r.steps = append(r.steps, sr)
			continue
		}
		if canceled(ctx, err) {
			sr.Status = StepCanceled
			r.steps = append(r.steps, sr)
			return stepsCanceled, i, "canceled", nil
		}
		r.steps = append(r.steps, sr)
		if step.OnError == flows.OnErrorContinue {
			continue
		}
		r.steps = append(r.steps, skipped(all[i+1:])...)
		return stepsFailed, i, fmt.Sprintf("step %q failed: %s", step.ID, sr.Error), nil
	}
	return stepsDone, len(all), "", nil
}
