package engine

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/flowline/flowline/connectors"
)

// TestReplayPredatesHistoryCap replays histories recorded before the
// history cap with a cap below their size: a run in flight under the old
// code must go on scheduling its steps, not fail on replay.
func TestReplayPredatesHistoryCap(t *testing.T) {
	for _, name := range []string{"two_steps_templates.json", "two_steps_templates_v0.json", "on_error.json"} {
		t.Run(name, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(Workflows{Connectors: connectors.NewRegistry(), RunHistoryBytes: 1}.FlowRun, workflowOptions())
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join("testdata", "histories", name)); err != nil {
				t.Fatalf("replaying %s: %v", name, err)
			}
		})
	}
}
