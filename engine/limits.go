package engine

import (
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/connectors"
)

// What a run records must fit in Temporal: one payload at most 2 MB, one
// workflow task's answer at most 4 MB, one history at most 50 MB. These
// limits keep every run well inside them; a step past one fails at once,
// not retried, with the size and the limit in its error.
const (
	// maxStepOutcomeBytes caps one step attempt's outcome as recorded in
	// history: its request and response records and its output.
	maxStepOutcomeBytes = 1536 << 10
	// maxRenderedConfigBytes caps a step's config once its templates are
	// rendered.
	maxRenderedConfigBytes = 8 << 20
	// batchCarryBytes caps the outcome of a step a batch workflow records
	// (many runs share its history and its workflow tasks); a batched run
	// whose step's outcome is larger goes on in a workflow of its own,
	// which starts with that outcome in its input (see carryOff).
	batchCarryBytes = 128 << 10
	// maxCarryInputBytes caps the input of a run's own workflow that
	// carries such an outcome.
	maxCarryInputBytes = 1792 << 10
	// runRecordBytes caps the request and response records one run's
	// result keeps; past it, the records of its earliest steps are dropped
	// (their attempts, status and error stay).
	runRecordBytes = 1 << 20
)

// DefaultRunHistoryBytes is the history a run's own workflow may reach
// before a step unless Workflows.RunHistoryBytes says otherwise; past it,
// the run fails instead of starting the step (runs that recorded the
// runHistoryChange marker only).
const DefaultRunHistoryBytes = 40 << 20

// runHistoryChange names the workflow change that added the history cap:
// runs started before it replay without the check.
const runHistoryChange = "run-history-cap"

// BatchCarryBytes caps the outcome of a step a batch workflow records (see
// batchCarryBytes).
const BatchCarryBytes = batchCarryBytes

// OutcomeSize is the size of what an outcome records, roughly as encoded.
func OutcomeSize(out *StepOutcome) int { return outcomeSize(out) }

// outcomeSize is the size of what an outcome records, roughly as encoded.
func outcomeSize(out *StepOutcome) int {
	return len(out.Request) + len(out.Response) + len(out.Output) + 200*len(out.Attempts)
}

// bound keeps an attempt's outcome small enough to record. A failed
// attempt's output is dropped (nothing reads it); an outcome still too
// large fails the attempt, keeping only its records when they are small.
func bound(out *StepOutcome, err error) (*StepOutcome, error) {
	if err != nil {
		out.Output = nil
	}
	size := outcomeSize(out)
	if size <= maxStepOutcomeBytes {
		return out, err
	}
	out.Output = nil
	if outcomeSize(out) > maxStepOutcomeBytes/2 {
		out.Request, out.Response = nil, nil
	}
	if err == nil {
		err = connectors.Permanentf("step output is %s encoded; the limit is %s",
			connectors.Size(int64(size)), connectors.Size(maxStepOutcomeBytes))
	}
	return out, err
}

// TrimRecords drops the request and response records of the earliest
// steps until the records of all of them fit in runRecordBytes.
func TrimRecords(steps []StepResult) {
	total := 0
	for _, s := range steps {
		total += len(s.Request) + len(s.Response)
	}
	for i := 0; i < len(steps) && total > runRecordBytes; i++ {
		total -= len(steps[i].Request) + len(steps[i].Response)
		steps[i].Request, steps[i].Response = nil, nil
	}
}

// historyTooLarge says why a run's own workflow stops before its next
// step, its history being past limit bytes, or is empty while its history
// has room.
func historyTooLarge(ctx workflow.Context, limit int) string {
	if n := workflow.GetInfo(ctx).GetCurrentHistorySize(); n > limit {
		return fmt.Sprintf("the run's history is %s; the limit is %s", connectors.Size(int64(n)), connectors.Size(int64(limit)))
	}
	return ""
}

// carryInput is the input of the run's own workflow going on after a
// batched step that succeeded with out: the batch's steps so far and this
// one, with their outputs.
func carryInput(in StepInput, out *StepOutcome) (RunInput, error) {
	r := *in.Carry
	res := Resume{Next: r.Resume.Next, Attempts: []Attempt{}, Outputs: map[string]json.RawMessage{}}
	res.Steps = append(append(res.Steps, r.Resume.Steps...), StepResult{ID: in.StepID, Type: in.Type,
		Status: StepSucceeded, Attempts: out.Attempts, Request: out.Request, Response: out.Response})
	for k, v := range r.Resume.Outputs {
		res.Outputs[k] = v
	}
	res.Outputs[in.StepID] = out.Output
	TrimRecords(res.Steps)
	r.Resume = &res
	n, err := InputSize(r)
	if err != nil {
		return r, err
	}
	if n > maxCarryInputBytes {
		return r, connectors.Permanentf("the run with the output of step %q is %s; the limit is %s",
			in.StepID, connectors.Size(int64(n)), connectors.Size(maxCarryInputBytes))
	}
	return r, nil
}

// MaxRunInputBytes caps a run's input as Temporal records it when the run
// starts: the trigger's payload, the pinned flow document and the trigger
// (Temporal refuses a payload past 2 MB).
const MaxRunInputBytes = maxCarryInputBytes

// InputSize is the size of a run's input as Temporal records it when the
// run's own workflow starts (packed).
func InputSize(in RunInput) (int, error) {
	b, err := json.Marshal(in.Packed())
	if err != nil {
		return 0, fmt.Errorf("encoding run %s: %w", in.RunID, err)
	}
	return len(b), nil
}
