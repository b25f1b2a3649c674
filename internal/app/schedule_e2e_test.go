package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	sdkclient "go.temporal.io/sdk/client"

	"github.com/flowline/flowline/engine"
)

// TestScheduleFiresAndStopsWhenDisabled publishes a flow on a one-second
// schedule, sees it fire at least twice as a Temporal Schedule, each
// firing's run carried by a batch and delivered once, disables it (the
// schedule pauses and nothing more arrives) and deletes it (the schedule
// goes).
func TestScheduleFiresAndStopsWhenDisabled(t *testing.T) {
	t.Parallel()
	a := startServe(t, shortWindows(testConfig(t, t.TempDir(), false)))
	c := client{t: t, base: "http://" + a.Addr()}
	url, got := receiver(t, func(int, received) (int, string) { return 200, `{}` })
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "ticker", "trigger": {"type": "schedule", "every": "1s", "timezone": "Europe/Paris"},
		"steps": [{"id": "tick", "type": "http", "config": {"method": "POST", "url": "%s/tick",
		 "body": {"type": "json", "json": {"run": "{{ run_id }}", "trigger": "{{ trigger.type }}"}}}}]}`, url))
	sched := &engine.Schedules{Client: a.Client(), TaskQueue: a.cfg.TaskQueue}

	// deliveries counts the requests each run made.
	deliveries := map[string]int{}
	deliver := func(r received) {
		var body struct{ Run, Trigger string }
		if err := json.Unmarshal(r.Body, &body); err != nil || body.Trigger != "schedule" || body.Run == "" {
			t.Fatalf("scheduled request %s", r.Body)
		}
		deliveries[body.Run]++
	}
	for len(deliveries) < 2 {
		deliver(next(t, got))
	}
	ctx := context.Background()
	for id := range deliveries {
		d := c.waitRun(id)
		if d.Status != "succeeded" || d.FlowID != flowID || d.Trigger.Type != "schedule" {
			t.Errorf("scheduled run %+v", d)
		}
		// Batched: its execution is a batch of the flow, and its trigger
		// is the firing that started it, whose id gives the run's.
		if !strings.HasPrefix(d.WorkflowID, "flowline-batch-"+flowID+"-") {
			t.Errorf("scheduled run %s carried by %s, want a batch of flow %s", id, d.WorkflowID, flowID)
		}
		if !strings.HasPrefix(d.Trigger.ID, engine.FiringWorkflowID(flowID)+"-") || engine.ScheduledRunID(flowID, d.Trigger.ID) != id {
			t.Errorf("scheduled run %s has trigger id %q, want the firing that derives it", id, d.Trigger.ID)
		}
		var firing engine.Firing
		if err := a.Client().GetWorkflow(ctx, d.Trigger.ID, "").Get(ctx, &firing); err != nil ||
			firing.RunID != id || firing.WorkflowID != d.WorkflowID {
			t.Errorf("firing %s answered %+v, %v; want run %s in %s", d.Trigger.ID, firing, err, id, d.WorkflowID)
		}
	}
	// In the Temporal UI, a run id finds its firing and its batch.
	for id := range deliveries {
		query := fmt.Sprintf("%s = '%s'", engine.SARunIDs.GetName(), id)
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			resp, err := a.Client().ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Namespace: a.cfg.TemporalNamespace, Query: query})
			types := map[string]bool{}
			for _, ex := range resp.GetExecutions() {
				types[ex.GetType().GetName()] = true
			}
			if err == nil && types[engine.FiringWorkflowType] && types[engine.BatchWorkflowType] {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s finds %v, %v; want a firing and a batch", query, types, err)
			}
		}
	}
	// Runs are listed, firings are not.
	var page struct {
		Runs []runDetail `json:"runs"`
	}
	c.must(http.StatusOK, "GET", "/api/v1/runs?flow_id="+flowID, nil, &page)
	listed := map[string]bool{}
	for _, r := range page.Runs {
		listed[r.RunID] = true
		if !strings.HasPrefix(r.WorkflowID, "flowline-batch-") {
			t.Errorf("GET /runs lists %+v, not a batched run", r)
		}
	}
	for id := range deliveries {
		if !listed[id] {
			t.Errorf("GET /runs does not list scheduled run %s", id)
		}
	}

	// Republishing updates the schedule: new interval, new pinned version.
	var f struct {
		Draft json.RawMessage `json:"draft"`
	}
	c.must(http.StatusOK, "GET", "/api/v1/flows/"+flowID, nil, &f)
	c.must(http.StatusOK, "PUT", "/api/v1/flows/"+flowID, strings.Replace(string(f.Draft), `"every":"1s"`, `"every":"2s"`, 1), nil)
	c.must(http.StatusOK, "POST", "/api/v1/flows/"+flowID+"/publish", nil, nil)
	desc, err := a.Client().ScheduleClient().GetHandle(ctx, engine.ScheduleID(flowID)).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if iv := desc.Schedule.Spec.Intervals; len(iv) != 1 || iv[0].Every != 2*time.Second {
		t.Errorf("republished schedule intervals %+v, want every 2s", iv)
	}
	if act, ok := desc.Schedule.Action.(*sdkclient.ScheduleWorkflowAction); !ok || !strings.Contains(fmt.Sprint(act.Args), "2s") ||
		act.Workflow != engine.FiringWorkflowType {
		t.Errorf("republished schedule action %+v does not start a firing of version 2", desc.Schedule.Action)
	}

	c.must(http.StatusOK, "POST", "/api/v1/flows/"+flowID+"/disable", nil, nil)
	if exists, paused, err := sched.Describe(ctx, flowID); err != nil || !exists || !paused {
		t.Fatalf("after disable: exists %v paused %v err %v", exists, paused, err)
	}
	// Firings from before the pause may still deliver: wait for every
	// firing the schedule counts to end and its run to deliver, then for
	// nothing more.
	paused, err := a.Client().ScheduleClient().GetHandle(ctx, engine.ScheduleID(flowID)).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fired := int(paused.Info.NumActions)
	started := map[string]bool{} // firing workflow id → it started a run
	for _, id := range listFirings(t, a, flowID, fired) {
		var firing engine.Firing
		if err := a.Client().GetWorkflow(ctx, id, "").Get(ctx, &firing); err != nil {
			t.Fatal(err)
		}
		if firing.Skipped == "" && firing.RunID != engine.ScheduledRunID(flowID, id) {
			t.Errorf("firing %s answered %+v", id, firing)
		}
		started[id] = firing.Skipped == ""
		if !started[id] {
			t.Logf("firing %s skipped: %s", id, firing.Skipped)
		}
		for started[id] && deliveries[engine.ScheduledRunID(flowID, id)] == 0 {
			deliver(next(t, got))
		}
	}
	select {
	case r := <-got:
		t.Errorf("a disabled flow's schedule still fired: %s", r.Body)
	case <-time.After(3 * time.Second):
	}
	// Each firing that started a run delivered once, one that was skipped
	// never, and every delivered run has its firing.
	n := 0
	for id, ran := range started {
		want := 0
		if ran {
			want, n = 1, n+1
		}
		if got := deliveries[engine.ScheduledRunID(flowID, id)]; got != want {
			t.Errorf("firing %s (started a run: %v) delivered %d times, want %d", id, ran, got, want)
		}
	}
	if len(started) != fired || len(deliveries) != n {
		t.Errorf("the schedule fired %d times; %d firings listed, %d started a run, %d runs delivered", fired, len(started), n, len(deliveries))
	}
	var firings []string
	for id, ran := range started {
		if ran {
			firings = append(firings, id)
		}
	}
	recordWorkflowHistory(t, a, firings[0], "", "schedule_firing")

	c.must(http.StatusOK, "POST", "/api/v1/flows/"+flowID+"/enable", nil, nil)
	if _, paused, _ := sched.Describe(ctx, flowID); paused {
		t.Error("enabling did not resume the schedule")
	}
	c.must(http.StatusNoContent, "DELETE", "/api/v1/flows/"+flowID, nil, nil)
	if exists, _, err := sched.Describe(ctx, flowID); err != nil || exists {
		t.Errorf("after delete: exists %v err %v", exists, err)
	}
}

// listFirings lists the workflow ids of flowID's schedule firings, waiting
// until visibility lists at least want of them, all closed.
func listFirings(t *testing.T, a *App, flowID string, want int) []string {
	t.Helper()
	query := fmt.Sprintf("WorkflowType = '%s' AND %s = '%s'", engine.FiringWorkflowType, engine.SAFlowID.GetName(), flowID)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := a.Client().ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: a.cfg.TemporalNamespace, Query: query})
		var ids []string
		closed := 0
		for _, ex := range resp.GetExecutions() {
			ids = append(ids, ex.GetExecution().GetWorkflowId())
			if ex.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
				closed++
			}
		}
		if err == nil && len(ids) >= want && closed == len(ids) {
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatalf("listing the firings of flow %s: %d listed, %d completed, want %d: %v", flowID, len(ids), closed, want, err)
		}
	}
}

// TestScheduleOfAnOlderVersionKeepsFiring gives a flow's schedule the
// action older versions made (start FlowRun, workflow id
// flow-<flow id>-scheduled-<time>): its runs still run and read back as
// schedule runs of their own; a worker's startup upgrade, and publishing
// again, each give the schedule today's action, whose runs are batched.
func TestScheduleOfAnOlderVersionKeepsFiring(t *testing.T) {
	t.Parallel()
	a := startServe(t, shortWindows(testConfig(t, t.TempDir(), false)))
	c := client{t: t, base: "http://" + a.Addr()}
	url, got := receiver(t, func(int, received) (int, string) { return 200, `{}` })
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "old ticker", "trigger": {"type": "schedule", "every": "1s"},
		"steps": [{"id": "tick", "type": "http", "config": {"method": "POST", "url": "%s/tick",
		 "body": {"type": "json", "json": {"run": "{{ run_id }}"}}}}]}`, url))
	ctx := context.Background()
	h := a.Client().ScheduleClient().GetHandle(ctx, engine.ScheduleID(flowID))
	makeOld := func() {
		t.Helper()
		err := h.Update(ctx, sdkclient.ScheduleUpdateOptions{
			DoUpdate: func(in sdkclient.ScheduleUpdateInput) (*sdkclient.ScheduleUpdate, error) {
				sch := in.Description.Schedule
				act := sch.Action.(*sdkclient.ScheduleWorkflowAction)
				act.ID, act.Workflow = "flow-"+flowID+"-scheduled", engine.WorkflowType
				return &sdkclient.ScheduleUpdate{Schedule: &sch}, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	makeOld()
	// waitDelivery waits for a run whose id says which action started it.
	waitDelivery := func(old bool) runDetail {
		t.Helper()
		for {
			var body struct{ Run string }
			if err := json.Unmarshal(next(t, got).Body, &body); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(body.Run, flowID+"-scheduled-") == old {
				return c.waitRun(body.Run)
			}
		}
	}
	d := waitDelivery(true)
	if d.Status != "succeeded" || d.Trigger.Type != "schedule" || d.WorkflowID != engine.WorkflowID(d.RunID) {
		t.Errorf("a run of the older schedule: %+v", d)
	}

	// What a worker does at startup upgrades it, once.
	if n := a.upgradeSchedules(ctx); n != 1 {
		t.Errorf("the startup upgrade changed %d schedules, want 1", n)
	}
	if n := a.upgradeSchedules(ctx); n != 0 {
		t.Errorf("a second startup upgrade changed %d schedules, want 0", n)
	}
	d = waitDelivery(false)
	if d.Status != "succeeded" || d.Trigger.Type != "schedule" || !strings.HasPrefix(d.WorkflowID, "flowline-batch-") {
		t.Errorf("a run after the startup upgrade: %+v", d)
	}

	makeOld()
	waitDelivery(true)
	var f struct {
		Draft json.RawMessage `json:"draft"`
	}
	c.must(http.StatusOK, "GET", "/api/v1/flows/"+flowID, nil, &f)
	c.must(http.StatusOK, "PUT", "/api/v1/flows/"+flowID, strings.Replace(string(f.Draft), `"old ticker"`, `"new ticker"`, 1), nil)
	c.must(http.StatusOK, "POST", "/api/v1/flows/"+flowID+"/publish", nil, nil)
	d = waitDelivery(false)
	if d.Status != "succeeded" || d.Trigger.Type != "schedule" || !strings.HasPrefix(d.WorkflowID, "flowline-batch-") {
		t.Errorf("a run after publishing again: %+v", d)
	}
}

// TestScheduleWithoutBatching: with FLOWLINE_BATCH_LANES=0 a firing takes
// the same path, and the run service gives its run a FlowRun workflow of
// its own, flow-<run id>, which the firing's result names.
func TestScheduleWithoutBatching(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, t.TempDir(), false)
	cfg.BatchLanes = 0
	a := startServe(t, cfg)
	c := client{t: t, base: "http://" + a.Addr()}
	url, got := receiver(t, func(int, received) (int, string) { return 200, `{}` })
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "own ticker", "trigger": {"type": "schedule", "every": "1s"},
		"steps": [{"id": "tick", "type": "http", "config": {"method": "POST", "url": "%s/tick",
		 "body": {"type": "json", "json": {"run": "{{ run_id }}"}}}}]}`, url))
	var body struct{ Run string }
	if err := json.Unmarshal(next(t, got).Body, &body); err != nil {
		t.Fatal(err)
	}
	c.must(http.StatusOK, "POST", "/api/v1/flows/"+flowID+"/disable", nil, nil)
	d := c.waitRun(body.Run)
	if d.Status != "succeeded" || d.Trigger.Type != "schedule" || d.WorkflowID != engine.WorkflowID(d.RunID) ||
		engine.ScheduledRunID(flowID, d.Trigger.ID) != d.RunID {
		t.Fatalf("a scheduled run without batching: %+v", d)
	}
	ctx := context.Background()
	var firing engine.Firing
	if err := a.Client().GetWorkflow(ctx, d.Trigger.ID, "").Get(ctx, &firing); err != nil || firing.RunID != d.RunID ||
		firing.WorkflowID != d.WorkflowID {
		t.Errorf("firing %s answered %+v, %v", d.Trigger.ID, firing, err)
	}
	// GET /runs lists the run's own workflow, never the firing.
	var page struct {
		Runs []runDetail `json:"runs"`
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		c.must(http.StatusOK, "GET", "/api/v1/runs?flow_id="+flowID, nil, &page)
		found := false
		for _, r := range page.Runs {
			found = found || r.RunID == d.RunID
			if id, own := engine.RunIDOfWorkflow(r.WorkflowID); !own || id != r.RunID {
				t.Fatalf("GET /runs lists %+v", r)
			}
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /runs never listed %s: %+v", d.RunID, page.Runs)
		}
	}
}

// TestScheduleSkipsWhileARunIsGoing holds a scheduled run's request: the
// firings meanwhile start no run and say which run is going; once it has
// ended, the next firing runs again.
func TestScheduleSkipsWhileARunIsGoing(t *testing.T) {
	t.Parallel()
	a := startServe(t, shortWindows(testConfig(t, t.TempDir(), false)))
	c := client{t: t, base: "http://" + a.Addr()}
	release := make(chan struct{})
	url, got := receiver(t, func(n int, _ received) (int, string) {
		if n == 1 {
			select {
			case <-release:
			case <-time.After(time.Minute):
			}
		}
		return 200, `{}`
	})
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "slow ticker", "trigger": {"type": "schedule", "every": "1s"},
		"steps": [{"id": "tick", "type": "http", "config": {"method": "POST", "url": "%s/tick",
		 "body": {"type": "json", "json": {"run": "{{ run_id }}"}}}}]}`, url))
	var first struct{ Run string }
	if err := json.Unmarshal(next(t, got).Body, &first); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	query := fmt.Sprintf("WorkflowType = '%s' AND %s = '%s' AND ExecutionStatus = 'Completed'",
		engine.FiringWorkflowType, engine.SAFlowID.GetName(), flowID)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		resp, err := a.Client().ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: a.cfg.TemporalNamespace, Query: query})
		if err != nil {
			t.Fatal(err)
		}
		skipped := ""
		for _, ex := range resp.GetExecutions() {
			var firing engine.Firing
			if err := a.Client().GetWorkflow(ctx, ex.GetExecution().GetWorkflowId(), "").Get(ctx, &firing); err != nil {
				t.Fatal(err)
			}
			if firing.Skipped != "" {
				skipped = firing.Skipped
			}
		}
		if skipped != "" {
			if !strings.Contains(skipped, first.Run) {
				t.Errorf("a firing skipped because %q, want run %s named", skipped, first.Run)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no firing was skipped while run %s was going", first.Run)
		}
	}
	close(release)
	var second struct{ Run string }
	if err := json.Unmarshal(next(t, got).Body, &second); err != nil || second.Run == first.Run {
		t.Fatalf("after the run ended, the schedule delivered %+v, %v", second, err)
	}
	c.must(http.StatusOK, "POST", "/api/v1/flows/"+flowID+"/disable", nil, nil)
	if d := c.waitRun(first.Run); d.Status != "succeeded" {
		t.Errorf("the held run: %+v", d)
	}
}
