package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/engine/batch"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// tally is a receiver that counts requests per path and Idempotency-Key
// and answers with what respond says for that path and key.
type tally struct {
	mu     sync.Mutex
	counts map[string]int // path + " " + idempotency key
	bodies map[string][]byte
	url    string
}

func newTally(t *testing.T, respond func(path string, n int) (int, string)) *tally {
	t.Helper()
	tl := &tally{counts: map[string]int{}, bodies: map[string][]byte{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		key := r.URL.Path + " " + r.Header.Get("Idempotency-Key")
		tl.mu.Lock()
		tl.counts[key]++
		n := tl.counts[key]
		tl.bodies[r.URL.Path+" "+string(body)] = body
		tl.mu.Unlock()
		status, out := respond(r.URL.Path, n)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, out)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	tl.url = "http://" + l.Addr().String()
	return tl
}

// perPath returns how many distinct keys reached path and the most
// requests any one key sent there.
func (tl *tally) perPath(path string) (keys, most int) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	for k, n := range tl.counts {
		if strings.HasPrefix(k, path+" ") {
			keys++
			most = max(most, n)
		}
	}
	return keys, most
}

// awaitCall waits until a run has called path (its first request).
func (tl *tally) awaitCall(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if keys, _ := tl.perPath(path); keys == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no run called %s within 30s", path)
		}
	}
}

// TestBatchedEventRuns drives event runs through the batch workflows (two
// lanes, one-second windows): every run is delivered once,
// templates see earlier steps, a repeat starts nothing, GET /runs lists
// and pages through every run, a run needing a retry is handed to its own
// workflow and succeeds there, a permanent failure is recorded, and a run
// in flight can be canceled.
func TestBatchedEventRuns(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tl := newTally(t, func(path string, n int) (int, string) {
		switch {
		case path == "/flaky" && n == 1:
			return 503, `{"error": "try again"}`
		case path == "/bad":
			return 400, `{"error": "no"}`
		case path == "/hang" && n == 1:
			select {
			case <-release:
			case <-time.After(30 * time.Second):
			}
		case path == "/slow":
			select {
			case <-release:
			case <-time.After(30 * time.Second):
			}
		}
		return 200, `{"id": "r-1"}`
	})
	cfg := shortWindows(testConfig(t, t.TempDir(), true))
	if cfg.BatchLanes != 2 {
		t.Fatalf("default batch lanes = %d, want 2", cfg.BatchLanes)
	}
	a := startServe(t, cfg)
	c := client{t: t, base: "http://" + a.Addr()}
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "batched", "trigger": {"type": "event", "events": ["b.ok"]}, "steps": [
		{"id": "first", "type": "http", "config": {"method": "POST", "url": "%[1]s/first", "body": {"type": "json", "json": {"n": "{{ n }}"}}}},
		{"id": "second", "type": "http", "config": {"method": "POST", "url": "%[1]s/second", "body": {"type": "json", "json": {"n": "{{ n }}", "prev": "{{ steps.first.body.id }}"}}}}]}`, tl.url))

	const n = 25
	runs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ans := postEvent(t, c.base, fmt.Sprintf("key-%d", i), fmt.Sprintf(`{"event_type": "b.ok", "data": {"n": %d}}`, i))
			if len(ans.Runs) == 1 {
				runs[i] = ans.Runs[0].RunID
			}
		}()
	}
	wg.Wait()
	for i, id := range runs {
		d := c.waitRun(id)
		if d.Status != "succeeded" || len(d.Steps) != 2 || d.Steps[1].Status != "succeeded" || d.Trigger.Type != "event" {
			t.Fatalf("run %d: %+v", i, d)
		}
		if !strings.HasPrefix(d.WorkflowID, "flowline-batch-"+flowID+"-") || d.FlowID != flowID || d.FlowVersion != 1 {
			t.Errorf("run %d is not carried by a batch of its flow: %+v", i, d)
		}
		var req struct {
			Body string `json:"body"`
		}
		if err := json.Unmarshal(d.Steps[1].Request, &req); err != nil || req.Body != fmt.Sprintf(`{"n":%d,"prev":"r-1"}`, i) {
			t.Errorf("run %d second step sent %q (%v), want its own n and the first step's answer", i, req.Body, err)
		}
	}
	findBatchedRun(t, a, cfg.TemporalNamespace, c.waitRun(runs[0]))
	for _, path := range []string{"/first", "/second"} {
		if keys, most := tl.perPath(path); keys != n || most != 1 {
			t.Errorf("%s: %d distinct runs, at most %d deliveries each; want %d and 1", path, keys, most, n)
		}
	}

	// A repeat answers the same run and delivers nothing.
	again := postEvent(t, c.base, "key-3", `{"event_type": "b.ok", "data": {"n": 3}}`)
	if len(again.Runs) != 1 || again.Runs[0].RunID != runs[3] {
		t.Errorf("repeat answered %+v, want run %s", again, runs[3])
	}

	// A run recorded but never handed over (its request died between the
	// ledger and the signal) goes through on the repeat, as first recorded.
	stranded := engine.DeterministicRunID(flowID, "stranded")
	if _, _, err := a.store.AcceptRun(context.Background(), &store.RunRecord{RunID: stranded, FlowID: flowID, FlowVersion: 1,
		Trigger:   store.JSON(`{"type": "event", "id": "stranded", "data": {"n": 99}}`),
		StartedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	rep := postEvent(t, c.base, "stranded", `{"event_type": "b.ok", "data": {"n": 100}}`)
	if len(rep.Runs) != 1 || rep.Runs[0].RunID != stranded {
		t.Fatalf("repeat of a stranded run answered %+v", rep)
	}
	if d := c.waitRun(stranded); d.Status != "succeeded" || len(d.Steps) != 2 || !strings.Contains(string(d.Steps[0].Request), `\"n\":99`) {
		t.Errorf("stranded run: %+v", d)
	}
	if keys, most := tl.perPath("/first"); keys != n+1 || most != 1 { // the stranded run
		t.Errorf("/first after the stranded run: %d keys, at most %d each", keys, most)
	}

	// A stranded run whose client never came back is handed over by the
	// requeuer; one canceled before any batch claimed it never runs.
	orphan, unwanted := engine.DeterministicRunID(flowID, "orphan"), engine.DeterministicRunID(flowID, "unwanted")
	for _, id := range []string{orphan, unwanted} {
		if _, _, err := a.store.AcceptRun(context.Background(), &store.RunRecord{RunID: id, FlowID: flowID, FlowVersion: 1,
			Trigger:   store.JSON(`{"type": "event", "data": {"n": 98}}`),
			StartedAt: time.Now().UTC().Add(-2 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	var canceled cancelAnswer
	c.must(http.StatusAccepted, "POST", "/api/v1/runs/"+unwanted+"/cancel", nil, &canceled)
	if canceled.Status != "canceled" {
		t.Errorf("canceling an accepted run answered %+v", canceled)
	}
	if _, err := a.sweeper.Requeue(context.Background(), batch.RequeueAfter); err != nil {
		t.Fatal(err)
	}
	if d := c.waitRun(orphan); d.Status != "succeeded" || len(d.Steps) != 2 {
		t.Errorf("requeued run: %+v", d)
	}
	if d := c.waitRun(unwanted); d.Status != "canceled" || len(d.Steps) != 0 {
		t.Errorf("run canceled before it started: %+v", d)
	}

	// GET /runs pages through every batched run exactly once.
	seen := map[string]int{}
	token := ""
	for pages := 0; ; pages++ {
		var list struct {
			Runs []struct {
				RunID  string `json:"run_id"`
				Status string `json:"status"`
			} `json:"runs"`
			NextPageToken *string `json:"next_page_token"`
		}
		c.must(http.StatusOK, "GET", "/api/v1/runs?flow_id="+flowID+"&page_size=7&page_token="+token, nil, &list)
		for _, r := range list.Runs {
			seen[r.RunID]++
			if want := "succeeded"; r.RunID == unwanted {
				if r.Status != "canceled" {
					t.Errorf("listed %s as %s, want canceled", r.RunID, r.Status)
				}
			} else if r.Status != want {
				t.Errorf("listed %s as %s", r.RunID, r.Status)
			}
		}
		if list.NextPageToken == nil || pages > 10 {
			break
		}
		token = *list.NextPageToken
	}
	if code, out := c.do("GET", "/api/v1/runs?page_token=not-a-token", nil); code != http.StatusBadRequest {
		t.Errorf("a bad page token answered %d %s, want 400", code, out)
	}
	if len(seen) != n+3 {
		t.Errorf("GET /runs listed %d runs, want %d", len(seen), n+3)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("run %s listed %d times", id, k)
		}
	}

	// The batch execution that carried the first run completes once its
	// window has closed; record it for replay.
	first := c.waitRun(runs[0])
	parts := strings.Split(first.TemporalUIURL, "/")
	if len(parts) < 3 || parts[len(parts)-3] != first.WorkflowID {
		t.Fatalf("temporal_ui_url %q does not name the batch workflow %s", first.TemporalUIURL, first.WorkflowID)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		desc, err := a.Client().DescribeWorkflowExecution(context.Background(), first.WorkflowID, parts[len(parts)-2])
		if err != nil {
			t.Fatalf("describing the batch workflow: %v", err)
		}
		if st := desc.GetWorkflowExecutionInfo().GetStatus(); st == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			break
		} else if st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING || time.Now().After(deadline) {
			t.Fatalf("batch workflow %s is %v, want it completed after its window", first.WorkflowID, st)
		}
	}
	recordWorkflowHistory(t, a, first.WorkflowID, parts[len(parts)-2], "batch")
	// Each step's marker records its response once: the output later
	// steps read (steps.first.body.id above) is rebuilt from the record.
	markers := httpStepMarkers(t, a, first.WorkflowID, parts[len(parts)-2])
	if len(markers) == 0 {
		t.Fatal("the batch's history has no step marker")
	}
	for _, m := range markers {
		var out map[string]json.RawMessage
		if err := json.Unmarshal(m, &out); err != nil {
			t.Fatal(err)
		}
		if _, has := out["output"]; has || string(out["output_from_response"]) != "true" || out["response"] == nil {
			t.Errorf("a step marker records %s; want its response record and output_from_response instead of an output", m)
			break
		}
	}

	edge := c.publishFlow(fmt.Sprintf(`{"name": "batched-edge", "trigger": {"type": "event", "events": ["b.edge"]}, "steps": [
		{"id": "call", "type": "http", "config": {"method": "POST", "url": "%s/{{ path }}"},
		 "retry": {"max_attempts": 3, "initial_interval": "200ms"}}]}`, tl.url))
	edgeRun := func(path string) string {
		ans := postEvent(t, c.base, "edge-"+path, fmt.Sprintf(`{"event_type": "b.edge", "data": {"path": %q}}`, path))
		if len(ans.Runs) != 1 {
			t.Fatalf("event for %s answered %+v", path, ans)
		}
		return ans.Runs[0].RunID
	}

	// A step that needs a retry: the run goes on in a workflow of its own.
	flaky := edgeRun("flaky")
	d := c.waitRun(flaky)
	if d.Status != "succeeded" || d.WorkflowID != engine.WorkflowID(flaky) || len(d.Steps) != 1 ||
		len(d.Steps[0].Attempts) != 2 || d.Steps[0].Attempts[0].StatusCode != 503 || d.Steps[0].Attempts[1].StatusCode != 200 {
		t.Errorf("handed-off run: %+v", d)
	}
	if keys, most := tl.perPath("/flaky"); keys != 1 || most != 2 {
		t.Errorf("/flaky: %d keys, %d requests for one key; want one key tried twice", keys, most)
	}
	recordHistory(t, a, flaky, "handoff_resume")

	// A permanent failure is recorded in the ledger.
	bad := edgeRun("bad")
	d = c.waitRun(bad)
	if d.Status != "failed" || !strings.Contains(d.Error, `step "call" failed`) || len(d.Steps) != 1 ||
		len(d.Steps[0].Attempts) != 1 || d.Steps[0].Attempts[0].StatusCode != 400 || !strings.HasPrefix(d.WorkflowID, "flowline-batch-") {
		t.Errorf("failed batched run: %+v", d)
	}

	// A run in flight is canceled through its batch.
	slow := edgeRun("slow")
	tl.awaitCall(t, "/slow")
	c.must(http.StatusAccepted, "POST", "/api/v1/runs/"+slow+"/cancel", nil, nil)
	if d := c.waitRun(slow); d.Status != "canceled" || len(d.Steps) != 1 || d.Steps[0].Status != "canceled" {
		t.Errorf("canceled run: %+v", d)
	}
	if code, _ := c.do("POST", "/api/v1/runs/"+bad+"/cancel", nil); code != http.StatusConflict {
		t.Errorf("canceling a failed run answered %d, want 409", code)
	}

	// A batch execution that ends without finishing its runs (here an
	// operator terminates it while a step hangs) gives them back, and the
	// sweep hands them to a new batch: the run completes.
	hang := edgeRun("hang")
	tl.awaitCall(t, "/hang")
	var held runDetail
	c.must(http.StatusOK, "GET", "/api/v1/runs/"+hang, nil, &held)
	heldRun := runIDFromURL(t, held.TemporalUIURL)
	if err := a.Client().TerminateWorkflow(context.Background(), held.WorkflowID, heldRun, "test: batch lost"); err != nil {
		t.Fatal(err)
	}
	engineRuns := &engine.Runs{Client: a.Client(), Namespace: cfg.TemporalNamespace, TaskQueue: cfg.TaskQueue}
	// A run of that batch that was handed off before the batch could say
	// so: its own workflow exists, and the sweep records it as handed off
	// instead of running it again.
	ctx := context.Background()
	early := engine.DeterministicRunID(edge, "early")
	if _, _, err := a.store.AcceptRun(ctx, &store.RunRecord{RunID: early, FlowID: edge, FlowVersion: 1,
		Trigger: store.JSON(`{"type": "event", "data": {"path": "early"}}`), StartedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.ClaimRuns(ctx, []string{early}, "test-claim", held.WorkflowID, heldRun); err != nil {
		t.Fatal(err)
	}
	v, err := a.store.LatestVersion(ctx, edge)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := flows.ParseDocument(v.Document)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engineRuns.Start(ctx, engine.RunInput{FlowID: edge, FlowName: doc.Name, Version: 1, RunID: early,
		StartedAt: time.Now().UTC(), Document: *doc, Trigger: engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: "event"},
			Data: []byte(`{"path": "early"}`)}}); err != nil {
		t.Fatal(err)
	}
	sweeper := batch.NewSweeper(batch.SweeperOptions{Ledger: a.store.Ledger(), Versions: a.store, Executions: engineRuns,
		Batch: engine.BatchOptions{Lanes: cfg.BatchLanes}, Client: a.Client(), Namespace: cfg.TemporalNamespace})
	sweeper.StuckAfter = time.Millisecond
	if _, err := sweeper.Requeue(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if rec, err := a.store.GetRunRecord(ctx, early); err != nil || rec.Status != store.RunHandedOff || rec.WorkflowID != engine.WorkflowID(early) {
		t.Errorf("a run handed off before its batch ended is recorded as %+v, %v", rec, err)
	}
	if d := c.waitRun(early); d.Status != "succeeded" || d.WorkflowID != engine.WorkflowID(early) {
		t.Errorf("early hand-off: %+v", d)
	}
	if d := c.waitRun(hang); d.Status != "succeeded" || d.WorkflowID == held.WorkflowID && strings.Contains(d.TemporalUIURL, heldRun) {
		t.Errorf("run of a terminated batch: %+v", d)
	}
	if _, most := tl.perPath("/hang"); most != 2 {
		t.Errorf("/hang got %d requests for its key, want the lost attempt sent again once", most)
	}

	// Every edge run is listed once: the handed-off one from its own
	// workflow, the others from the ledger; the status filter applies.
	var list struct {
		Runs []struct {
			RunID  string `json:"run_id"`
			Status string `json:"status"`
		} `json:"runs"`
	}
	c.must(http.StatusOK, "GET", "/api/v1/runs?flow_id="+edge, nil, &list)
	got := map[string]string{}
	for _, r := range list.Runs {
		if _, dup := got[r.RunID]; dup {
			t.Errorf("run %s listed twice", r.RunID)
		}
		got[r.RunID] = r.Status
	}
	if len(got) != 5 || got[flaky] != "succeeded" || got[bad] != "failed" || got[slow] != "canceled" || got[hang] != "succeeded" || got[early] != "succeeded" {
		t.Errorf("edge runs listed as %v", got)
	}
	c.must(http.StatusOK, "GET", "/api/v1/runs?flow_id="+edge+"&status=failed", nil, &list)
	if len(list.Runs) != 1 || list.Runs[0].RunID != bad {
		t.Errorf("status=failed listed %+v", list.Runs)
	}

	// Retrying a batched run starts a run of its own with the same input.
	var retried struct {
		RunID string `json:"run_id"`
	}
	c.must(http.StatusAccepted, "POST", "/api/v1/runs/"+bad+"/retry", nil, &retried)
	if d := c.waitRun(retried.RunID); d.Status != "failed" || d.WorkflowID != engine.WorkflowID(retried.RunID) || d.Trigger.Type != "event" {
		t.Errorf("retry of a batched run: %+v", d)
	}

	// The pruner drops ledger entries older than the namespace's retention
	// (24 h on the embedded server) and keeps recent ones.
	if _, _, err := a.store.AcceptRun(ctx, &store.RunRecord{RunID: flowID + "-old", FlowID: flowID, FlowVersion: 1,
		StartedAt: time.Now().Add(-25 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.sweeper.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.GetRunRecord(ctx, flowID+"-old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a 25-hour-old ledger entry survived pruning: %v", err)
	}
	if _, err := a.store.GetRunRecord(ctx, runs[0]); err != nil {
		t.Errorf("a recent ledger entry was pruned: %v", err)
	}
}

// findBatchedRun checks that the Temporal UI finds batched run d: a
// search by FlowlineRunIds, or by FlowlineTriggerIds, lists the batch that
// carried it, whose summary names the flow and whose result lists the run
// and its outcome.
func findBatchedRun(t *testing.T, a *App, namespace string, d runDetail) {
	t.Helper()
	ctx := context.Background()
	for _, query := range []string{
		fmt.Sprintf("%s = '%s'", engine.SARunIDs.GetName(), d.RunID),
		fmt.Sprintf("%s = '%s'", engine.SATriggerIDs.GetName(), d.Trigger.ID),
	} {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			resp, err := a.Client().ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, Query: query})
			if err != nil {
				t.Fatalf("searching %s: %v", query, err)
			}
			if len(resp.Executions) == 1 && resp.Executions[0].GetExecution().GetWorkflowId() == d.WorkflowID {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("searching %s found %d executions, want batch %s", query, len(resp.Executions), d.WorkflowID)
			}
		}
	}
	desc, err := a.Client().DescribeWorkflowExecution(ctx, d.WorkflowID, "")
	if err != nil {
		t.Fatal(err)
	}
	var summary string
	if p := desc.GetExecutionConfig().GetUserMetadata().GetSummary(); p == nil || converter.GetDefaultDataConverter().FromPayload(p, &summary) != nil ||
		!strings.Contains(summary, "runs of flow") {
		t.Errorf("batch %s has summary %q", d.WorkflowID, summary)
	}
	var res batch.BatchResult
	if err := a.Client().GetWorkflow(ctx, d.WorkflowID, "").Get(ctx, &res); err != nil {
		t.Fatalf("batch %s result: %v", d.WorkflowID, err)
	}
	for _, r := range res.Runs {
		if r.RunID == d.RunID {
			if r.Status != d.Status {
				t.Errorf("batch result lists run %s as %s, the API as %s", d.RunID, r.Status, d.Status)
			}
			return
		}
	}
	t.Errorf("batch %s result does not list run %s: %+v", d.WorkflowID, d.RunID, res)
}

// cancelAnswer is the answer to POST /runs/{id}/cancel.
type cancelAnswer struct {
	RunID  string `json:"run_id"`
	Status string `json:"status"`
}
