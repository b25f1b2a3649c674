package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/flowline/flowline/engine"
)

// recordEnv, when set to 1, makes the end-to-end tests write the histories
// of their runs into engine/testdata/histories, where the engine's replay
// test runs them through the current workflow code.
const recordEnv = "FLOWLINE_RECORD_HISTORIES"

// recordHistory saves the history of runID's own workflow as name.json
// when recording; a run carried by a batch has none, and its batch's
// history is saved instead.
func recordHistory(t *testing.T, a *App, runID, name string) {
	t.Helper()
	if os.Getenv(recordEnv) != "1" {
		return
	}
	workflowID := engine.WorkflowID(runID)
	if _, err := a.Client().DescribeWorkflowExecution(context.Background(), workflowID, ""); err != nil {
		query := fmt.Sprintf("%s = '%s'", engine.SARunIDs.GetName(), runID)
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			resp, err := a.Client().ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
				Namespace: a.cfg.TemporalNamespace, Query: query})
			if err == nil && len(resp.Executions) > 0 {
				ex := resp.Executions[0].GetExecution()
				recordWorkflowHistory(t, a, ex.GetWorkflowId(), ex.GetRunId(), name+"_batch")
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no execution lists run %s: %v", runID, err)
			}
		}
	}
	recordWorkflowHistory(t, a, workflowID, "", name)
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

// httpStepMarkers returns the results recorded by the markers of the
// http step attempts in one workflow execution's history.
func httpStepMarkers(t *testing.T, a *App, workflowID, temporalRunID string) []json.RawMessage {
	t.Helper()
	iter := a.Client().GetWorkflowHistory(context.Background(), workflowID, temporalRunID, false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var out []json.RawMessage
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		m := ev.GetMarkerRecordedEventAttributes()
		data := m.GetDetails()["data"].GetPayloads()
		result := m.GetDetails()["result"].GetPayloads()
		if len(data) == 1 && len(result) == 1 && strings.Contains(string(data[0].GetData()), `"ActivityType":"http"`) {
			out = append(out, result[0].GetData())
		}
	}
	return out
}
