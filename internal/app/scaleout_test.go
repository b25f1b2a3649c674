package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/internal/config"
)

// TestWorkersScaleOut runs two `flowline worker` processes on one task
// queue of one Temporal server, with an `api` process in front, and shows
// that both workers run flows.
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

	url, _ := receiver(t, func(int, received) (int, string) {
		time.Sleep(20 * time.Millisecond) // long enough for work to spread
		return 200, `{}`
	})
	c := client{t: t, base: "http://" + apiOnly.Addr()}
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "spread", "trigger": {"type": "manual"}, "steps": [
		{"id": "call", "type": "http", "config": {"method": "POST", "url": "%s/w", "body": {"type": "json", "json": {}}}}]}`, url))
	var runs []string
	for range 40 {
		runs = append(runs, c.startRun(flowID, nil))
	}
	// Who completed each run's workflow tasks is in its history.
	byPid := map[int]int{}
	for _, id := range runs {
		if d := c.waitRun(id); d.Status != "succeeded" {
			t.Fatalf("run %+v", d)
		}
		iter := cluster.Client().GetWorkflowHistory(context.Background(), engine.WorkflowID(id), "", false,
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
	for _, pid := range pids {
		if byPid[pid] == 0 {
			t.Errorf("worker process %d ran no workflow task (spread %v)", pid, byPid)
		}
	}
}
