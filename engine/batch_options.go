package engine

import "time"

// BatchOptions shape the batch workflows that carry runs; a zero field
// takes its default.
type BatchOptions struct {
	// Lanes is how many batch workflows per flow and window at most carry
	// runs, filled one after another (laneFill); zero gives every run a
	// workflow of its own.
	Lanes int
	// Window is how long one batch workflow execution takes new runs: each
	// run goes to the execution of the window its trigger arrived in, so
	// executions stay small and end by themselves instead of continuing as
	// new (which Temporal refuses while signals keep arriving) [1s].
	Window time.Duration
	// Grace is how long after its window an execution stays open for late
	// arrivals; a run that arrives even later starts the execution again
	// [2s].
	Grace time.Duration
	// RunsPerExecution caps the runs one execution carries; runs past it
	// are handed to workflows of their own [2000].
	RunsPerExecution int
}

// Defaults of BatchOptions.
const (
	DefaultBatchWindow           = time.Second
	DefaultBatchGrace            = 2 * time.Second
	DefaultBatchRunsPerExecution = 2000
)

// WithDefaults fills the zero fields.
func (o BatchOptions) WithDefaults() BatchOptions {
	if o.Window <= 0 {
		o.Window = DefaultBatchWindow
	}
	if o.Grace <= 0 {
		o.Grace = DefaultBatchGrace
	}
	if o.RunsPerExecution <= 0 {
		o.RunsPerExecution = DefaultBatchRunsPerExecution
	}
	return o
}
