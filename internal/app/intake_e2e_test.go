package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/flowline/flowline/engine"
)

// TestConcurrentTriggersShareCommits posts many events and async webhooks
// at once, each kind with a few concurrent repeats: every trigger is
// answered 202 with its run (a repeat with the first's), every run is
// delivered exactly once with what its templates read, and the runs
// reached their batches in fewer signals than runs, carried by the
// "runs" signal.
func TestConcurrentTriggersShareCommits(t *testing.T) {
	cfg := shortWindows(testConfig(t, t.TempDir(), false))
	a := startServe(t, cfg)
	c := client{t: t, base: "http://" + a.Addr()}
	tl := newTally(t, func(string, int) (int, string) { return 200, `{}` })
	eventFlow := c.publishFlow(fmt.Sprintf(`{"name": "intake events", "trigger": {"type": "event", "events": ["intake.*"]}, "steps": [
		{"id": "post", "type": "http", "config": {"method": "POST", "url": "%s/event",
		 "body": {"type": "json", "json": {"id": "{{ event.event_id }}", "n": "{{ n }}", "body_n": "{{ trigger.body.data.n }}"}}}}]}`, tl.url))
	hookFlow := c.publishFlow(fmt.Sprintf(`{"name": "intake hooks", "trigger": {"type": "webhook", "respond": "async"}, "steps": [
		{"id": "post", "type": "http", "config": {"method": "POST", "url": "%s/hook",
		 "body": {"type": "json", "json": {"id": "{{ trigger.headers.webhook-id }}", "n": "{{ n }}", "body_n": "{{ trigger.body.n }}"}}}}]}`, tl.url))

	const n, repeats = 40, 5
	type answer struct {
		key, runID, workflowID string
		status                 int
		body                   string
	}
	post := func(path, key string, i int, header http.Header) answer {
		var body string
		if strings.HasPrefix(path, "/hooks/") {
			body = fmt.Sprintf(`{"n": %d}`, i)
		} else {
			body = fmt.Sprintf(`{"event_type": "intake.test", "data": {"n": %d}}`, i)
		}
		req, err := http.NewRequest("POST", c.base+path, strings.NewReader(body))
		if err != nil {
			return answer{key: key, body: err.Error()}
		}
		req.Header = header
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return answer{key: key, body: err.Error()}
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		var r struct {
			RunID      string `json:"run_id"`
			WorkflowID string `json:"workflow_id"`
			Runs       []struct {
				RunID      string `json:"run_id"`
				WorkflowID string `json:"workflow_id"`
			} `json:"runs"`
		}
		_ = json.Unmarshal(out, &r)
		if len(r.Runs) == 1 {
			r.RunID, r.WorkflowID = r.Runs[0].RunID, r.Runs[0].WorkflowID
		}
		return answer{key: key, runID: r.RunID, workflowID: r.WorkflowID, status: resp.StatusCode, body: string(out)}
	}
	start := make(chan struct{})
	answers := make(chan answer, 2*(n+repeats))
	var wg sync.WaitGroup
	for i := range n + repeats {
		key := fmt.Sprintf("intake-%d", i%n) // the last few repeat the first
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			answers <- post("/api/v1/events", "event "+key, i%n, http.Header{"Idempotency-Key": {key}})
		}()
		go func() {
			defer wg.Done()
			<-start
			answers <- post("/hooks/"+hookFlow, "hook "+key, i%n, http.Header{"Webhook-Id": {key}})
		}()
	}
	close(start)
	wg.Wait()
	close(answers)
	runOf := map[string]string{}
	batches := map[string]bool{}
	for ans := range answers {
		if ans.status != http.StatusAccepted || ans.runID == "" {
			t.Errorf("%s answered %d %s, want 202 with a run", ans.key, ans.status, ans.body)
			continue
		}
		if first, ok := runOf[ans.key]; ok && first != ans.runID {
			t.Errorf("%s answered runs %s and %s", ans.key, first, ans.runID)
		}
		runOf[ans.key] = ans.runID
		batches[ans.workflowID] = true
	}
	if t.Failed() {
		t.FailNow()
	}

	// Every run is delivered once, with what its templates read.
	completed := map[string]bool{}
	for _, flow := range []struct{ name, id string }{{"events", eventFlow}, {"hooks", hookFlow}} {
		for _, ex := range awaitBatchesCompleted(t, a, flow.name, flow.id) {
			completed[ex.GetExecution().GetWorkflowId()] = true
		}
	}
	for _, path := range []string{"/event", "/hook"} {
		if keys, most := tl.perPath(path); keys != n || most != 1 {
			t.Errorf("%s: %d runs delivered, the most often %d times; want %d runs once each", path, keys, most, n)
		}
	}
	tl.mu.Lock()
	for k, body := range tl.bodies {
		var got struct {
			ID    string          `json:"id"`
			N     json.RawMessage `json:"n"`
			BodyN json.RawMessage `json:"body_n"`
		}
		if err := json.Unmarshal(body, &got); err != nil || got.ID != "intake-"+string(got.N) || string(got.N) != string(got.BodyN) {
			t.Errorf("%s received %s", k, body)
		}
	}
	tl.mu.Unlock()

	// The runs shared signals: fewer "runs" signals than runs, and no
	// signal of one run apiece.
	signals, carried := 0, 0
	for wfID := range completed {
		iter := a.Client().GetWorkflowHistory(context.Background(), wfID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			ev, err := iter.Next()
			if err != nil {
				t.Fatal(err)
			}
			sig := ev.GetWorkflowExecutionSignaledEventAttributes()
			if sig == nil {
				continue
			}
			if sig.GetSignalName() != engine.BatchRunsSignal {
				t.Errorf("batch %s got signal %q, want %q", wfID, sig.GetSignalName(), engine.BatchRunsSignal)
				continue
			}
			var runs engine.BatchRuns
			if err := json.Unmarshal(sig.GetInput().GetPayloads()[0].GetData(), &runs); err != nil {
				t.Fatal(err)
			}
			signals++
			carried += len(runs.Runs)
		}
	}
	if carried < 2*n || signals >= carried {
		t.Errorf("%d signals carried %d runs; want at least %d runs in fewer signals", signals, carried, 2*n)
	}
	t.Logf("%d runs (with %d repeats) reached %d batch executions in %d signals", carried, 2*repeats, len(completed), signals)
	for wfID := range batches {
		if wfID != "" && !completed[wfID] {
			t.Errorf("a trigger was answered with batch %s, which did not complete", wfID)
		}
	}
	for wfID := range completed {
		if strings.Contains(wfID, eventFlow) {
			recordWorkflowHistory(t, a, wfID, "", "batch_runs_signal")
			break
		}
	}
}
