package engine

import (
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/flows"
)

// StepsEnd is how a run's step loop ended.
type StepsEnd int

const (
	// StepsDone: every step ran (a failed one had on_error continue).
	StepsDone StepsEnd = iota
	// StepsFailed: a step failed the run; the later ones are skipped.
	StepsFailed
	// StepsCanceled: the run was canceled while a step was in flight.
	StepsCanceled
	// StepsStopped: the carrier stopped the run before or after a step
	// (a batch handing it off, a history that is full).
	StepsStopped
)

// StepTry runs one step of a run as its carrier does (its own workflow:
// with retries; a batch: one attempt) and returns the outcome, or stop
// when the carrier takes the run elsewhere instead.
type StepTry func(i int, step flows.Step, si StepInput) (out StepOutcome, err error, stop bool)

// StepRun is one run going through its steps: the one step loop both the
// FlowRun and the FlowBatch workflow drive.
type StepRun struct {
	in    RunInput
	wfID  string
	conns *connectors.Registry // rebuild outputs left out (OutputFromResponse)
	rc    flows.RunContext
	Steps []StepResult
	// Outputs keeps the succeeded steps' outputs, for a run a batch may
	// hand to a workflow of its own.
	Outputs map[string]json.RawMessage
}

// NewStepRun starts run in, whose own workflow is wfID (its idempotency
// keys follow it), with the connectors of conns; a resumed run starts with
// the steps it finished.
func NewStepRun(in RunInput, wfID string, conns *connectors.Registry) *StepRun {
	r := &StepRun{in: in, wfID: wfID, conns: conns, rc: runContext(in),
		Steps: make([]StepResult, 0, len(in.Document.Steps)), Outputs: map[string]json.RawMessage{}}
	if res := in.Resume; res != nil {
		r.Steps = append(r.Steps, res.Steps...)
		for _, s := range res.Steps {
			if s.Status == StepSucceeded {
				r.rc.WithStep(s.ID, res.Outputs[s.ID])
				r.Outputs[s.ID] = res.Outputs[s.ID]
			}
		}
	}
	return r
}

// Run goes through the steps from first: it renders each one's input,
// has try run it, feeds its output to later templates and applies
// on_error. It returns how it ended, the index of the step it ended at,
// and for StepsFailed why.
func (r *StepRun) Run(ctx workflow.Context, first int, try StepTry) (StepsEnd, int, string, error) {
	all := r.in.Document.Steps
	for i := first; i < len(all); i++ {
		si, err := r.Input(i)
		if err != nil {
			return StepsFailed, i, err.Error(), err
		}
		out, err, stop := try(i, all[i], si)
		if stop {
			return StepsStopped, i, "", nil
		}
		if end, msg, over := r.Record(ctx, i, out, err); over {
			return end, i, msg, nil
		}
	}
	return StepsDone, len(all), "", nil
}

// Len is the number of steps of the run's flow.
func (r *StepRun) Len() int { return len(r.in.Document.Steps) }

// Step is step i of the run's flow.
func (r *StepRun) Step(i int) flows.Step { return r.in.Document.Steps[i] }

// Input renders the input of step i from what the run has so far.
func (r *StepRun) Input(i int) (StepInput, error) {
	return stepInput(r.in, r.in.Document.Steps[i], &r.rc, r.wfID)
}

// rebuildOutput rebuilds the output out left out from its response
// record, with the step's connector (connectors.OutputDeriver).
func (r *StepRun) rebuildOutput(step flows.Step, out StepOutcome) (json.RawMessage, error) {
	if r.conns != nil {
		if d, ok := r.conns.Deriver(step.Type); ok {
			if output, ok := d.DeriveOutput(out.Response); ok {
				return output, nil
			}
		}
	}
	return nil, connectors.Permanentf("step %q: its output was recorded as its response record, which this worker's %q connector cannot read back",
		step.ID, step.Type)
}

// Record takes in how step i ended: its output feeds later templates, a
// failure applies on_error. over reports that the run ended here, how
// (StepsFailed or StepsCanceled) and for a failure why; otherwise the run
// goes on with step i+1 (StepsDone once i was the last).
func (r *StepRun) Record(ctx workflow.Context, i int, out StepOutcome, err error) (end StepsEnd, msg string, over bool) {
	all := r.in.Document.Steps
	step := all[i]
	if err == nil && out.OutputFromResponse && out.Output == nil {
		out.Output, err = r.rebuildOutput(step, out)
	}
	sr := stepResult(step, out, err)
	if err == nil {
		r.rc.WithStep(step.ID, out.Output)
		r.Outputs[step.ID] = out.Output
		r.Steps = append(r.Steps, sr)
		return StepsDone, "", false
	}
	if Canceled(ctx, err) {
		sr.Status = StepCanceled
		r.Steps = append(r.Steps, sr)
		return StepsCanceled, "canceled", true
	}
	r.Steps = append(r.Steps, sr)
	if step.OnError == flows.OnErrorContinue {
		return StepsDone, "", false
	}
	r.Steps = append(r.Steps, skipped(all[i+1:])...)
	return StepsFailed, fmt.Sprintf("step %q failed: %s", step.ID, sr.Error), true
}
