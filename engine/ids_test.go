package engine

import (
	"strings"
	"testing"
	"time"
)

// TestRunWorkflowIDs: a run's own workflow id gives its run id back, the
// ids older schedules gave their runs read as runs, and a schedule
// firing's or a batch's workflow id never passes for a run's.
func TestRunWorkflowIDs(t *testing.T) {
	runID := DeterministicRunID("orders", "e1")
	if got, ok := RunIDOfWorkflow(WorkflowID(runID)); !ok || got != runID {
		t.Errorf("RunIDOfWorkflow(WorkflowID(%q)) = %q, %v", runID, got, ok)
	}
	if got, ok := RunIDOfWorkflow("flow-orders-scheduled-2026-12-02T09:00:00Z"); !ok || got != "orders-scheduled-2026-12-02T09:00:00Z" {
		t.Errorf("an older schedule's run reads as %q, %v", got, ok)
	}
	firing := FiringWorkflowID("orders") + "-2026-12-02T09:00:00Z"
	for _, id := range []string{firing, BatchWorkflowID("orders", time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), 0), "flow-", ""} {
		if got, ok := RunIDOfWorkflow(id); ok {
			t.Errorf("%q reads as run %q", id, got)
		}
	}
	if run := ScheduledRunID("orders", firing); run != ScheduledRunID("orders", firing) || !strings.HasPrefix(run, "orders-") ||
		run == ScheduledRunID("orders", FiringWorkflowID("orders")+"-2026-12-02T09:01:00Z") {
		t.Errorf("ScheduledRunID is not one run per firing: %q", run)
	}
}
