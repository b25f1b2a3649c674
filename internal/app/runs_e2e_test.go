package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestCancelAndRetryEdges: a run of its own canceled while its step is in
// flight reports that step canceled, with the attempt that was sent; a
// run that has ended cannot be canceled (409); a run whose flow was
// deleted cannot be retried (409 naming the flow), whether it ran on its
// own or in a batch.
func TestCancelAndRetryEdges(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tl := newTally(t, func(path string, _ int) (int, string) {
		if path == "/slow" {
			select {
			case <-release:
			case <-time.After(30 * time.Second):
			}
		}
		return 200, `{"ok": true}`
	})
	a := startServe(t, shortWindows(testConfig(t, t.TempDir(), false)))
	c := client{t: t, base: "http://" + a.Addr()}
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "edges", "trigger": {"type": "event", "events": ["e.go"]}, "steps": [
		{"id": "call", "type": "http", "config": {"method": "POST", "url": "%s/{{ data.path }}"}}]}`, tl.url))

	conflict := func(path, want string) {
		t.Helper()
		code, out := c.do("POST", path, nil)
		var p struct {
			Status int    `json:"status"`
			Detail string `json:"detail"`
		}
		if code != http.StatusConflict || json.Unmarshal(out, &p) != nil || p.Status != http.StatusConflict || p.Detail != want {
			t.Errorf("POST %s answered %d %s, want 409 saying %q", path, code, out, want)
		}
	}

	// Canceled in flight: the step that was sent is recorded.
	slow := c.startRun(flowID, map[string]string{"path": "slow"})
	tl.awaitCall(t, "/slow")
	var ans cancelAnswer
	c.must(http.StatusAccepted, "POST", "/api/v1/runs/"+slow+"/cancel", nil, &ans)
	if ans.Status != "canceling" {
		t.Errorf("cancel answered %+v", ans)
	}
	d := c.waitRun(slow)
	if d.Status != "canceled" || len(d.Steps) != 1 || d.Steps[0].ID != "call" || d.Steps[0].Status != "canceled" ||
		len(d.Steps[0].Attempts) != 1 || !strings.Contains(d.Steps[0].Attempts[0].Error, "canceled") {
		t.Errorf("run canceled in flight: %+v", d)
	}
	conflict("/api/v1/runs/"+slow+"/cancel", fmt.Sprintf("run %s has already ended (canceled); only a running run can be canceled", slow))

	// Ended runs, one of its own and one batched.
	own := c.startRun(flowID, map[string]string{"path": "fine"})
	if d := c.waitRun(own); d.Status != "succeeded" {
		t.Fatalf("run: %+v", d)
	}
	conflict("/api/v1/runs/"+own+"/cancel", fmt.Sprintf("run %s has already ended (succeeded); only a running run can be canceled", own))
	ev := postEvent(t, c.base, "edge-1", `{"event_type": "e.go", "data": {"path": "fine"}}`)
	if len(ev.Runs) != 1 {
		t.Fatalf("event answered %+v", ev)
	}
	batched := ev.Runs[0].RunID
	if d := c.waitRun(batched); d.Status != "succeeded" || !strings.HasPrefix(d.WorkflowID, "flowline-batch-") {
		t.Fatalf("batched run: %+v", d)
	}

	// Once the flow is deleted, neither is retried.
	c.must(http.StatusNoContent, "DELETE", "/api/v1/flows/"+flowID, nil, nil)
	for _, id := range []string{own, batched} {
		conflict("/api/v1/runs/"+id+"/retry", fmt.Sprintf("run %s belongs to flow %s, which was deleted; it cannot be retried", id, flowID))
	}
	if keys, most := tl.perPath("/fine"); keys != 2 || most != 1 {
		t.Errorf("/fine: %d runs, at most %d requests each; want the 2 runs once each (no retry ran)", keys, most)
	}
}
