package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"

	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/engine/batch"
)

// TestBatchTaskStaysSmall makes one batch workflow task take many runs
// whose step outcomes are each just under the batch's per-step limit: the
// first run's request waits until every other event is in, so they reach
// the batch's next task at once, and their outcomes add up to more than
// one workflow task may send to Temporal. Every run succeeds in the batch,
// each request is sent once, and the batch completes.
func TestBatchTaskStaysSmall(t *testing.T) {
	const events = 40
	posted := make(chan struct{})
	var first sync.Once
	body := `{"blob": "` + strings.Repeat("x", 56<<10) + `"}` // recorded twice: ~115 KiB a step
	tl := newTally(t, func(path string, _ int) (int, string) {
		first.Do(func() { <-posted })
		return 200, body
	})
	cfg := testConfig(t, t.TempDir(), false)
	cfg.BatchLanes = 1
	// A long window keeps the 40 runs in one batch execution however slow
	// the machine is, so that one of its tasks must take many of them.
	cfg.BatchWindow = 20 * time.Second
	a := startServe(t, cfg)
	c := client{t: t, base: "http://" + a.Addr()}
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "wide", "trigger": {"type": "event", "events": ["wide.x"]},
		"steps": [{"id": "call", "type": "http", "config": {"url": "%s/big"}}]}`, tl.url))
	post := func(i int) string {
		if ans := postEvent(t, c.base, fmt.Sprintf("wide-%d", i), `{"event_type": "wide.x", "data": {}}`); len(ans.Runs) == 1 {
			return ans.Runs[0].RunID
		}
		return ""
	}

	runs := make([]string, events)
	runs[0] = post(0)
	tl.awaitCall(t, "/big") // the batch's first task waits on this request
	var wg sync.WaitGroup
	for i := 1; i < events; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = post(i)
		}()
	}
	wg.Wait()
	close(posted)

	for i, id := range runs {
		if id == "" {
			t.Fatalf("event %d started no run", i)
		}
		d := c.waitRun(id)
		if d.Status != "succeeded" || len(d.Steps) != 1 {
			t.Errorf("run %d: %+v", i, d)
			continue
		}
		if d.WorkflowID == engine.WorkflowID(id) {
			t.Errorf("run %d went on in a workflow of its own, want it kept in its batch", i)
		}
	}
	if keys, most := tl.perPath("/big"); keys != events || most > 1 {
		t.Errorf("/big: %d distinct steps, at most %d requests each; want %d and 1", keys, most, events)
	}
	executions := awaitBatchesCompleted(t, a, "wide", flowID)
	budgetTimers := 0
	for _, ex := range executions {
		budgetTimers += checkBudgetHistory(t, a, ex.GetExecution().GetWorkflowId(), ex.GetExecution().GetRunId())
	}
	if budgetTimers == 0 {
		t.Errorf("none of the %d batch executions ended a task to stay within its budget", len(executions))
	}
}

// checkBudgetHistory checks that the batch execution's history replays on
// the current code and returns how many tasks it ended to stay within its
// budget.
func checkBudgetHistory(t *testing.T, a *App, workflowID, runID string) int {
	t.Helper()
	iter := a.Client().GetWorkflowHistory(context.Background(), workflowID, runID, false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	budgetTimers := 0
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
		if ev.GetEventType() == enumspb.EVENT_TYPE_TIMER_STARTED &&
			strings.Contains(string(ev.GetUserMetadata().GetSummary().GetData()), "record the steps so far") {
			budgetTimers++
		}
	}
	r := worker.NewWorkflowReplayer()
	conns := connectors.NewRegistry() // the steps' connector rebuilds outputs recorded as their responses
	http := httpconn.New(httpconn.Options{})
	defer http.Close()
	conns.Register(http)
	batch.RegisterWorkflows(r, conns)
	if err := r.ReplayWorkflowHistory(nil, h); err != nil {
		t.Errorf("replaying batch %s: %v", workflowID, err)
	}
	return budgetTimers
}
