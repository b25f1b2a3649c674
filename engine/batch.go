package engine

import "time"

// BatchWorkflowType is the workflow type that carries many event runs of
// one flow: each run arrives as a signal and runs as local activities
// beside the others, so a run costs one history event and one ledger row
// instead of a workflow execution of its own.
const BatchWorkflowType = "FlowBatch"

// Signals a batch workflow receives.
const (
	// BatchRunSignal hands the batch one run (a RunInput): what the run
	// service sent before BatchRunsSignal, still handled for those batches.
	BatchRunSignal = "run"
	// BatchCancelSignal asks the batch to cancel one of its runs (a run id).
	BatchCancelSignal = "cancel"
)

// BatchState is a batch workflow's input.
type BatchState struct {
	// Until is the end of the execution's window.
	Until time.Time `json:"until"`
	// Grace and RunsPerExecution are the BatchOptions the execution was
	// started with; zero (as in histories recorded before they were
	// passed) means the defaults.
	Grace            time.Duration `json:"grace,omitempty"`
	RunsPerExecution int           `json:"runs_per_execution,omitempty"`
}

// FinishedRun is what a batch workflow records in the ledger when a run
// ends in it or is handed off to a workflow of its own.
type FinishedRun struct {
	RunID string `json:"run_id"`
	// ClaimToken is the claim the batch took the run under.
	ClaimToken string       `json:"claim_token"`
	Status     string       `json:"status"`
	Steps      []StepResult `json:"steps"`
	Error      string       `json:"error,omitempty"`
	ClosedAt   *time.Time   `json:"closed_at,omitempty"`
	// WorkflowID and TemporalRunID name the run's own workflow when it
	// was handed off.
	WorkflowID    string `json:"workflow_id,omitempty"`
	TemporalRunID string `json:"temporal_run_id,omitempty"`
}

// ClaimRequest asks the ledger to take runs for one batch execution.
type ClaimRequest struct {
	RunIDs        []string `json:"run_ids"`
	Token         string   `json:"token"`
	WorkflowID    string   `json:"workflow_id"`
	TemporalRunID string   `json:"temporal_run_id"`
}
