package batch

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
)

// TestReplayRecordedHistories runs histories recorded from real runs (see
// internal/app, FLOWLINE_RECORD_HISTORIES=1) through the current workflow
// code: a change that breaks determinism fails here.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("want at least 3 recorded histories in testdata/histories, found %d", len(files))
	}
	// The connectors the histories' steps used: a step whose output was
	// recorded as its response record is rebuilt by its connector.
	conns := connectors.NewRegistry()
	http := httpconn.New(httpconn.Options{})
	t.Cleanup(http.Close)
	conns.Register(http)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			RegisterWorkflows(r, conns)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replaying %s: %v", f, err)
			}
		})
	}
}
