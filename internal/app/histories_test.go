package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/flowline/flowline/engine"
)

// recordEnv, when set to 1, makes the end-to-end tests write the histories
// of their runs into engine/testdata/histories, where the engine's replay
// test runs them through the current workflow code.
const recordEnv = "FLOWLINE_RECORD_HISTORIES"

// recordHistory saves the history of runID as name.json when recording.
func recordHistory(t *testing.T, a *App, runID, name string) {
	t.Helper()
	recordWorkflowHistory(t, a, engine.WorkflowID(runID), "", name)
}

// recordWorkflowHistory saves the history of one workflow execution (the
// current one when temporalRunID is empty) as name.json when recording.
func recordWorkflowHistory(t *testing.T, a *App, workflowID, temporalRunID, name string) {
	t.Helper()
	if os.Getenv(recordEnv) != "1" {
		return
	}
	iter := a.Client().GetWorkflowHistory(context.Background(), workflowID, temporalRunID, false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	raw, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "engine", "testdata", "histories", name+".json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
