package api

import (
	"time"

	"github.com/flowline/flowline/engine"
)

// Run is a run as the API shows it.
type Run struct {
	RunID         string     `json:"run_id"`
	WorkflowID    string     `json:"workflow_id"`
	FlowID        string     `json:"flow_id"`
	FlowVersion   int        `json:"flow_version"`
	Status        string     `json:"status"`
	StartedAt     time.Time  `json:"started_at"`
	ClosedAt      *time.Time `json:"closed_at"`
	TemporalUIURL string     `json:"temporal_ui_url,omitempty"`
}

// RunDetail is a run with its trigger and step results, the answer to
// GET /runs/{run_id}.
type RunDetail struct {
	Run
	Trigger engine.TriggerInput `json:"trigger"`
	Steps   []engine.StepResult `json:"steps"`
	Error   string              `json:"error,omitempty"`
}

// runJSON is the API's shape of r.
func runJSON(r *engine.Run) Run {
	return Run{RunID: r.RunID, WorkflowID: r.WorkflowID, FlowID: r.FlowID, FlowVersion: r.FlowVersion,
		Status: r.Status, StartedAt: r.StartedAt, ClosedAt: r.ClosedAt, TemporalUIURL: r.TemporalUIURL}
}

// runsJSON is the API's shape of runs, never null.
func runsJSON(runs []engine.Run) []Run {
	out := make([]Run, len(runs))
	for i := range runs {
		out[i] = runJSON(&runs[i])
	}
	return out
}

// detailJSON is the API's shape of d.
func detailJSON(d *engine.RunDetail) RunDetail {
	out := RunDetail{Run: runJSON(&d.Run), Trigger: d.Trigger, Steps: d.Steps, Error: d.Error}
	if out.Steps == nil {
		out.Steps = []engine.StepResult{}
	}
	return out
}
