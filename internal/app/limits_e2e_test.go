package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/flowline/flowline/engine"
)

// TestOversizedStepsFailOnce drives steps past the size limits through
// both ways a run is carried, batched event runs and runs of their own
// (manual runs): a response cut at max_response_bytes goes on and is
// forwarded (a batched run carries it to a workflow of its own), a
// response whose output is too large, a huge rendered header and a huge
// rendered body each fail their run with the size and the limit in the
// message. Every request is sent exactly once and the batch workflows
// complete.
func TestOversizedStepsFailOnce(t *testing.T) {
	big := `"` + strings.Repeat("x", 3<<20) + `"`
	quotes := strings.Repeat(`"`, 1<<20)
	tl := newTally(t, func(path string, _ int) (int, string) {
		switch path {
		case "/big":
			return 200, big
		case "/quotes":
			return 200, quotes
		}
		return 200, `{"ok": true}`
	})
	a := startServe(t, shortWindows(testConfig(t, t.TempDir(), false)))
	c := client{t: t, base: "http://" + a.Addr()}
	five := strings.Repeat("{{ steps.call.body }}", 5)
	flow := func(name, steps string) string {
		return c.publishFlow(fmt.Sprintf(`{"name": %q, "trigger": {"type": "event", "events": ["big.%s"]}, "steps": [%s]}`,
			name, name, strings.ReplaceAll(steps, "URL", tl.url)))
	}
	flows := map[string]string{
		"cut": flow("cut", `{"id": "call", "type": "http", "config": {"url": "URL/big", "max_response_bytes": 1048576}},
			{"id": "fwd", "type": "http", "config": {"method": "POST", "url": "URL/sink", "body": {"type": "raw", "raw": "{{ steps.call.body }}"}}}`),
		"output": flow("output", `{"id": "call", "type": "http", "config": {"url": "URL/quotes"}}`),
		"header": flow("header", `{"id": "call", "type": "http", "config": {"url": "URL/header", "headers": {"X-Big": "{{ data.big }}"}}}`),
		"body": flow("body", `{"id": "call", "type": "http", "config": {"url": "URL/big"}},
			{"id": "fwd", "type": "http", "config": {"method": "POST", "url": "URL/body", "body": {"type": "raw", "raw": "`+five+`"}}}`),
	}
	data := fmt.Sprintf(`{"big": %q}`, strings.Repeat("h", 100<<10))
	const events = 3
	runs := map[string][]string{} // flow name → batched runs, then one manual run
	for name := range flows {
		for i := range events {
			ans := postEvent(t, c.base, fmt.Sprintf("%s-%d", name, i), fmt.Sprintf(`{"event_type": "big.%s", "data": %s}`, name, data))
			if len(ans.Runs) != 1 {
				t.Fatalf("event for %s answered %+v", name, ans)
			}
			runs[name] = append(runs[name], ans.Runs[0].RunID)
		}
		runs[name] = append(runs[name], c.startRun(flows[name], json.RawMessage(data)))
	}

	for name, ids := range runs {
		for i, id := range ids {
			d := c.waitRun(id)
			what := fmt.Sprintf("%s run %d (%s)", name, i, map[bool]string{true: "manual", false: "batched"}[i == events])
			switch name {
			case "cut":
				if d.Status != "succeeded" || len(d.Steps) != 2 {
					t.Errorf("%s: %+v", what, d)
					continue
				}
				var resp struct {
					BodyTruncated bool `json:"body_truncated"`
				}
				if err := json.Unmarshal(d.Steps[0].Response, &resp); err != nil || !resp.BodyTruncated {
					t.Errorf("%s: response record %.200s does not say the body was cut", what, d.Steps[0].Response)
				}
				if i < events && d.WorkflowID != engine.WorkflowID(id) {
					t.Errorf("%s went on in %s, want its own workflow", what, d.WorkflowID)
				}
			case "output":
				wantFailed(t, what, d, 0, "step output is 2.1 MiB encoded; the limit is 1.5 MiB")
			case "header":
				wantFailed(t, what, d, 0, "rendered url and headers are 100.1 KiB; the limit is 64 KiB")
			case "body":
				wantFailed(t, what, d, 1, "rendered request body is 5 MiB; the limit is 4 MiB")
			}
		}
	}
	for path, want := range map[string]int{"/big": 2 * (events + 1), "/sink": events + 1, "/quotes": events + 1, "/header": 0, "/body": 0} {
		if keys, most := tl.perPath(path); keys != want || most > 1 {
			t.Errorf("%s: %d distinct steps, at most %d requests each; want %d and 1", path, keys, most, want)
		}
	}
	tl.mu.Lock()
	for k, b := range tl.bodies {
		if strings.HasPrefix(k, "/sink ") && len(b) != 1<<20 {
			t.Errorf("/sink got a body of %d bytes, want the cut response of %d", len(b), 1<<20)
		}
	}
	tl.mu.Unlock()

	// The batch workflows of every flow complete.
	for name, flowID := range flows {
		awaitBatchesCompleted(t, a, name, flowID)
	}
}

// awaitBatchesCompleted waits until the flow has batch executions and
// every one of them has completed, and returns them; a batch that ended
// any other way fails the test.
func awaitBatchesCompleted(t *testing.T, a *App, name, flowID string) []*workflowpb.WorkflowExecutionInfo {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		resp, err := a.Client().ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = '%s' AND %s = '%s'", engine.BatchWorkflowType, engine.SAFlowID.GetName(), flowID)})
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, ex := range resp.Executions {
			switch ex.GetStatus() {
			case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
			case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
				open++
			default:
				t.Fatalf("batch %s of flow %s is %v", ex.GetExecution().GetWorkflowId(), name, ex.GetStatus())
			}
		}
		if len(resp.Executions) > 0 && open == 0 {
			return resp.Executions
		}
		if time.Now().After(deadline) {
			t.Fatalf("flow %s: %d batch executions, %d still running after 60s", name, len(resp.Executions), open)
		}
	}
}

// wantFailed checks that a run failed at step, in one attempt recorded
// with msg, the steps after it skipped.
func wantFailed(t *testing.T, what string, d runDetail, step int, msg string) {
	t.Helper()
	if d.Status != "failed" || !strings.Contains(d.Error, msg) || len(d.Steps) <= step {
		t.Errorf("%s: status %s, error %q, %d steps; want failed with %q", what, d.Status, d.Error, len(d.Steps), msg)
		return
	}
	s := d.Steps[step]
	if s.Status != "failed" || len(s.Attempts) != 1 || !strings.Contains(s.Attempts[0].Error, msg) {
		t.Errorf("%s: step %d is %+v, want one failed attempt saying %q", what, step, s, msg)
	}
}
