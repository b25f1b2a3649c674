package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowline/flowline/internal/config"
)

// TestAgainstExternalTemporal runs the `api` and `worker` roles as separate
// Apps pointed at a Temporal frontend they did not start (FLOWLINE_TEMPORAL_ADDRESS),
// with their own flow store: nothing is embedded, and a manual run and a
// batched event run go through.
func TestAgainstExternalTemporal(t *testing.T) {
	cluster := startServe(t, testConfig(t, t.TempDir(), false))
	frontend := cluster.cfg.TemporalDevAddr
	dir := t.TempDir()
	role := func(mode Mode) *App {
		cfg, err := config.Parse(string(mode), []string{
			"--data-dir", dir, "--http-addr", "127.0.0.1:0",
			"--temporal-address", frontend, "--task-queue", "external",
			"--database-url", "sqlite://" + filepath.ToSlash(filepath.Join(dir, "store.db")),
			"--egress-allow", "127.0.0.1/32",
		}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		a, err := Start(ctx, cfg, mode, logger)
		if err != nil {
			t.Fatalf("starting %s: %v", mode, err)
		}
		t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
		if a.dev != nil {
			t.Fatalf("%s embedded a Temporal server although an address was given", mode)
		}
		return a
	}
	apiOnly := role(ModeAPI)
	if apiOnly.worker != nil {
		t.Fatal("api mode started a worker")
	}
	workerOnly := role(ModeWorker)
	if workerOnly.Addr() != "" {
		t.Fatal("worker mode serves the API")
	}

	url, got := receiver(t, func(int, received) (int, string) { return 200, `{}` })
	c := client{t: t, base: "http://" + apiOnly.Addr()}
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "external", "trigger": {"type": "manual"}, "steps": [
		{"id": "call", "type": "http", "config": {"method": "GET", "url": "%s/external"}}]}`, url))
	d := c.waitRun(c.startRun(flowID, nil))
	if d.Status != "succeeded" {
		t.Fatalf("run %+v", d)
	}
	// No FLOWLINE_TEMPORAL_UI_URL with an external Temporal: no link,
	// rather than one to an embedded UI that does not run.
	if d.TemporalUIURL != "" {
		t.Errorf("temporal_ui_url = %q with an external Temporal and no UI URL set", d.TemporalUIURL)
	}
	if r := next(t, got); r.Path != "/external" {
		t.Errorf("receiver got %s", r.Path)
	}

	// A batched event run: the api role records and signals it, the worker
	// role claims it and records its outcome in the shared flow store.
	evFlow := c.publishFlow(fmt.Sprintf(`{"name": "external-events", "trigger": {"type": "event", "events": ["ext.*"]}, "steps": [
		{"id": "call", "type": "http", "config": {"method": "GET", "url": "%s/external-event"}}]}`, url))
	ans := postEvent(t, c.base, "ext-1", `{"event_type": "ext.done", "data": {}}`)
	if len(ans.Runs) != 1 || ans.Runs[0].FlowID != evFlow {
		t.Fatalf("event answered %+v", ans)
	}
	if d := c.waitRun(ans.Runs[0].RunID); d.Status != "succeeded" || len(d.Steps) != 1 {
		t.Fatalf("batched run %+v", d)
	}
	if r := next(t, got); r.Path != "/external-event" {
		t.Errorf("receiver got %s", r.Path)
	}
}
