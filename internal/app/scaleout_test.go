package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/internal/config"
)

// TestWorkersScaleOut runs two `flowline worker` processes on one task
// queue of one Temporal server, with an `api` process in front, and shows
// that both workers run flows: runs with workflows of their own (sync
// webhooks), and
// batched event runs (the ledger in a flow store all three processes
// share).
func TestWorkersScaleOut(t *testing.T) {
	cluster := startServe(t, testConfig(t, t.TempDir(), false))
	frontend := cluster.cfg.TemporalDevAddr
	shared := t.TempDir() // the flow store and secret key the roles share
	dbURL := "sqlite://" + filepath.ToSlash(filepath.Join(shared, "store.db"))

	cfg, err := config.Parse("api", []string{
		"--data-dir", shared, "--http-addr", "127.0.0.1:0", "--temporal-address", frontend,
		"--task-queue", "scale", "--database-url", dbURL,
	}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	apiOnly, err := Start(context.Background(), cfg, ModeAPI, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = apiOnly.Shutdown(context.Background()) })

	var pids []int
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=1", childModeEnv+"=worker",
			"FLOWLINE_DATA_DIR="+shared, "FLOWLINE_DATABASE_URL="+dbURL,
			"FLOWLINE_TEMPORAL_ADDRESS="+frontend, "FLOWLINE_TASK_QUEUE=scale",
			"FLOWLINE_EGRESS_ALLOW=127.0.0.1/32", "FLOWLINE_LOG_LEVEL=warn")
		cmd.Stdout, cmd.Stderr = testWriter{t}, testWriter{t}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		c := &child{cmd: cmd}
		t.Cleanup(c.kill)
		pids = append(pids, cmd.Process.Pid)
	}

	// Wait until both processes poll the task queue, so work can spread.
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := cluster.Client().DescribeTaskQueue(context.Background(), "scale", enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		polling := 0
		if err == nil {
			for _, pid := range pids {
				for _, p := range resp.GetPollers() {
					if strings.HasPrefix(p.GetIdentity(), fmt.Sprintf("%d@", pid)) {
						polling++
						break
					}
				}
			}
		}
		if polling == len(pids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker processes not polling after 60s (%d of %d, err %v)", polling, len(pids), err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	url, _ := receiver(t, func(int, received) (int, string) {
		time.Sleep(20 * time.Millisecond) // long enough for work to spread
		return 200, `{}`
	})
	c := client{t: t, base: "http://" + apiOnly.Addr()}
	// Sync webhooks keep workflows of their own; the answer's X-Run header
	// names the run.
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "spread", "trigger": {"type": "webhook", "respond": "sync",
		"response": {"status": 200, "headers": {"X-Run": "{{ run.id }}"}, "body": {}}}, "steps": [
		{"id": "call", "type": "http", "config": {"method": "POST", "url": "%s/w", "body": {"type": "json", "json": {}}}}]}`, url))
	// Start the runs concurrently; goroutines report, the test goroutine
	// fails.
	runs := make([]string, 40)
	failed := make([]string, 40)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			resp, err := http.Post(c.base+"/hooks/"+flowID, "application/json", strings.NewReader("{}"))
			if err != nil {
				failed[i] = err.Error()
				return
			}
			defer resp.Body.Close()
			runs[i] = resp.Header.Get("X-Run")
			if resp.StatusCode != http.StatusOK || runs[i] == "" {
				failed[i] = fmt.Sprintf("status %d, run %q", resp.StatusCode, runs[i])
			}
		})
	}
	wg.Wait()
	for i, f := range failed {
		if f != "" {
			t.Fatalf("starting run %d: %s", i, f)
		}
	}
	byPid := map[int]int{}
	for _, id := range runs {
		if d := c.waitRun(id); d.Status != "succeeded" {
			t.Fatalf("run %+v", d)
		}
		countTasksByPid(t, cluster, engine.WorkflowID(id), pids, byPid)
	}
	for _, pid := range pids {
		if byPid[pid] == 0 {
			t.Errorf("worker process %d ran no workflow task (spread %v)", pid, byPid)
		}
	}

	// Batched event runs spread too: each batch execution sticks to one
	// worker, and executions of successive windows and lanes land on both.
	evFlow := c.publishFlow(fmt.Sprintf(`{"name": "spread-events", "trigger": {"type": "event", "events": ["spread.*"]}, "steps": [
		{"id": "call", "type": "http", "config": {"method": "POST", "url": "%s/e", "body": {"type": "json", "json": {}}}}]}`, url))
	batchesByPid := map[int]int{}
	seenBatch := map[string]bool{}
	for round, deadline := 0, time.Now().Add(90*time.Second); ; round++ {
		for i := range 6 {
			ans := postEvent(t, c.base, fmt.Sprintf("spread-%d-%d", round, i), `{"event_type": "spread.it", "data": {}}`)
			if len(ans.Runs) != 1 || ans.Runs[0].FlowID != evFlow {
				t.Fatalf("event answered %+v", ans)
			}
			d := c.waitRun(ans.Runs[0].RunID)
			if d.Status != "succeeded" || !strings.HasPrefix(d.WorkflowID, "flowline-batch-") {
				t.Fatalf("batched run %+v", d)
			}
			if seenBatch[d.WorkflowID] {
				continue
			}
			seenBatch[d.WorkflowID] = true
			countTasksByPid(t, cluster, d.WorkflowID, pids, batchesByPid)
		}
		if len(batchesByPid) == len(pids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("batched runs stayed on one worker process: %v over %d batches", batchesByPid, len(seenBatch))
		}
		time.Sleep(time.Second) // the next window brings new executions
	}
}

// countTasksByPid adds, per worker process, the workflow tasks it completed
// in the history of workflowID: who ran a workflow is in its history.
func countTasksByPid(t *testing.T, cluster *App, workflowID string, pids []int, byPid map[int]int) {
	t.Helper()
	iter := cluster.Client().GetWorkflowHistory(context.Background(), workflowID, "", false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetWorkflowTaskCompletedEventAttributes(); a != nil {
			for _, pid := range pids {
				if strings.HasPrefix(a.GetIdentity(), fmt.Sprintf("%d@", pid)) {
					byPid[pid]++
				}
			}
		}
	}
}
