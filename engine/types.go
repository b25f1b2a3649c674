// Package engine runs published flow versions as Temporal workflows: the
// workflow that interprets a version, the activity adapter around
// connectors, and the client and worker wiring.
package engine

import (
	"encoding/json"
	"time"

	"github.com/flowline/flowline/flows"
)

// WorkflowType is the one Temporal workflow type every flow runs as.
const WorkflowType = "FlowRun"

// RunInput is everything a run needs: the workflow never reads the store,
// so the published version travels in its input and is pinned for the run.
type RunInput struct {
	FlowID    string         `json:"flow_id"`
	FlowName  string         `json:"flow_name"`
	Version   int            `json:"version"`
	RunID     string         `json:"run_id"`
	StartedAt time.Time      `json:"started_at"`
	Document  flows.Document `json:"document"`
	Trigger   TriggerInput   `json:"trigger"`
	// Resume, when set, continues a run that a batch workflow began: the
	// steps it finished and the attempts of the step that needs a retry.
	Resume *Resume `json:"resume,omitempty"`
	// Shape is the FlowRun shape the starter asked for (see RunShape); 0
	// in runs started before shapes existed and by Temporal Schedules.
	Shape int `json:"shape,omitempty"`
}

// Resume is where a run handed off by a batch workflow picks up.
type Resume struct {
	// Steps are the results of the steps before Next.
	Steps []StepResult `json:"steps"`
	// Outputs are the outputs of the succeeded steps among them, by id,
	// for the templates of later steps.
	Outputs map[string]json.RawMessage `json:"outputs,omitempty"`
	// Next is the index of the step to go on with.
	Next int `json:"next"`
	// Attempts are the attempts already made at step Next.
	Attempts []Attempt `json:"attempts"`
	// Delay is how long to wait before the next attempt.
	Delay time.Duration `json:"delay"`
}

// TriggerInput is what started a run: what templates read as trigger.*,
// plus the trigger's id, the event envelope and the data shorthand.
type TriggerInput struct {
	flows.TriggerInfo
	// ID is the event id or webhook id that started the run, if any.
	ID string `json:"id,omitempty"`
	// Event is the event envelope for event triggers.
	Event json.RawMessage `json:"event,omitempty"`
	// Data is what templates see as data: the event's data or the body.
	Data json.RawMessage `json:"data,omitempty"`
	// Message is the event type's message in the trigger's language,
	// rendered when the event was accepted (templates read it as message).
	Message string `json:"message,omitempty"`
}

// StepInput is the activity input for one step.
type StepInput struct {
	RunID          string          `json:"run_id"`
	StepID         string          `json:"step_id"`
	Type           string          `json:"type"`
	Config         json.RawMessage `json:"config"`
	Context        json.RawMessage `json:"context"`
	IdempotencyKey string          `json:"idempotency_key"`
	// Attempt counts the tries of a step run as local activities (each
	// try is its own local activity); zero on the regular-activity path,
	// where Temporal counts.
	Attempt int `json:"attempt,omitempty"`
	// Carry, set for a step a batch workflow runs, is the run's input as
	// its own workflow would go on after this step: a step whose outcome
	// is too large for the batch takes the run there (see carryOff).
	Carry *RunInput `json:"carry,omitempty"`
	// CarryLimit, when set, is the largest outcome the batch has room for
	// in its workflow task (batchCarryBytes when zero); a larger one takes
	// the run to its own workflow, as above.
	CarryLimit int `json:"carry_limit,omitempty"`
}

// carryLimit is the largest outcome a batch records for this step.
func (in StepInput) carryLimit() int {
	if in.CarryLimit > 0 {
		return min(in.CarryLimit, batchCarryBytes)
	}
	return batchCarryBytes
}

// Attempt is one try of a step.
type Attempt struct {
	Attempt    int       `json:"attempt"`
	StartedAt  time.Time `json:"started_at"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

// StepOutcome is what the activity returns for a step, on success as its
// result and on failure as the failure's details.
type StepOutcome struct {
	Attempts []Attempt       `json:"attempts"`
	Request  json.RawMessage `json:"request,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	Output   json.RawMessage `json:"output,omitempty"`
	// OutputFromResponse says the output was left out because the step's
	// connector rebuilds it from Response exactly
	// (connectors.OutputDeriver); StepRun.Record puts it back.
	OutputFromResponse bool `json:"output_from_response,omitempty"`
	// HandedOff, set for a batched step whose outcome was too large for
	// its batch, is the Temporal run id of the run's own workflow, which
	// holds the outcome and goes on with the next step.
	HandedOff string `json:"handed_off,omitempty"`
}

// Step statuses.
const (
	StepSucceeded = "succeeded"
	StepFailed    = "failed"
	StepSkipped   = "skipped"
	StepCanceled  = "canceled"
)

// StepResult is one step's outcome as a run reports it.
type StepResult struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Status   string          `json:"status"`
	Attempts []Attempt       `json:"attempts"`
	Request  json.RawMessage `json:"request,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// RunResult is the workflow's result: every step's outcome in order. A
// failed run carries it as its failure's details.
type RunResult struct {
	Steps []StepResult `json:"steps"`
}
