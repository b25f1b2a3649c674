package engine

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewRunID returns a run id for flow flowID: the flow id, a dash and a
// random part, so that the workflow id follows from the run id alone.
func NewRunID(flowID string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return flowID + "-" + idEncoding.EncodeToString(b)
}

// DeterministicRunID returns the run id for flowID started by a trigger
// with the given key (an event id, a webhook id, a schedule firing's
// workflow id): the same key always gives the same run, which is what
// makes repeats start nothing new.
func DeterministicRunID(flowID, key string) string {
	sum := sha256.Sum256([]byte(flowID + "\x00" + key))
	return flowID + "-" + idEncoding.EncodeToString(sum[:8])
}

// runWorkflowPrefix starts the workflow id of every run that has a
// workflow of its own. WorkflowID and RunIDOfWorkflow are the only code
// that knows it.
const runWorkflowPrefix = "flow-"

// WorkflowID is the Temporal workflow id of a run's own workflow:
// readable, with the flow id and the run id in it.
func WorkflowID(runID string) string { return runWorkflowPrefix + runID }

// RunIDOfWorkflow is the run id of a run's own workflow id (the inverse
// of WorkflowID), and whether wfID is one. It also reads the workflow ids
// that Temporal Schedules of older versions gave their runs,
// flow-<flow id>-scheduled-<firing time>.
func RunIDOfWorkflow(wfID string) (string, bool) {
	runID, ok := strings.CutPrefix(wfID, runWorkflowPrefix)
	return runID, ok && runID != ""
}

// ScheduleID is the Temporal Schedule id of a flow.
func ScheduleID(flowID string) string { return runWorkflowPrefix + flowID + "-schedule" }

// firingWorkflowPrefix starts the workflow id of a schedule firing; it
// is not a run's workflow id, so firings never pass for runs.
const firingWorkflowPrefix = "flowline-firing-"

// FiringWorkflowID is the workflow id a flow's schedule starts its firings
// with; Temporal appends the firing time (…-2026-12-02T09:00:00Z), so the
// Temporal UI finds a flow's firings with
// `WorkflowId STARTS_WITH "flowline-firing-<flow id>-"`.
func FiringWorkflowID(flowID string) string { return firingWorkflowPrefix + flowID }

// ScheduledRunID is the run id a schedule firing of flowID starts, from
// the firing's workflow id: a firing retried or replayed names the same
// run, which the run service starts once.
func ScheduledRunID(flowID, firingWorkflowID string) string {
	return DeterministicRunID(flowID, firingWorkflowID)
}
