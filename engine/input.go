package engine

import (
	"time"

	"github.com/flowline/flowline/flows"
)

// NewRunInput is the input of run runID of version of flow flowID (its
// document doc) started by trigger at startedAt: the one place every
// trigger builds a run's input. A schedule passes neither a run id nor a
// time: each firing derives them (FlowScheduleFiring).
func NewRunInput(flowID string, version int, doc *flows.Document, runID string, trigger TriggerInput, startedAt time.Time) RunInput {
	return RunInput{FlowID: flowID, FlowName: doc.Name, Version: version, RunID: runID,
		StartedAt: startedAt, Document: *doc, Trigger: trigger}
}
