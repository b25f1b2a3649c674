package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/flowline/flowline/internal/config"
)

// childEnv marks a test binary re-executed as a flowline serve process, so
// that a test can kill it with SIGKILL like a crash.
const childEnv = "FLOWLINE_E2E_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(childMain())
	}
	os.Exit(m.Run())
}

// childModeEnv selects the child's subcommand (serve when unset).
const childModeEnv = "FLOWLINE_E2E_MODE"

// childMain runs serve (or the mode childModeEnv names) from the
// environment until it is signalled or killed.
func childMain() int {
	mode := ModeServe
	if m := os.Getenv(childModeEnv); m != "" {
		mode = Mode(m)
	}
	cfg, err := config.FromOS(string(mode), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	a, err := Start(ctx, cfg, mode, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		return 1
	}
	<-ctx.Done()
	_ = a.Shutdown(context.Background())
	return 0
}

// child is a flowline serve process started from the test binary.
type child struct {
	cmd  *exec.Cmd
	base string
}

func startChild(t *testing.T, dataDir, httpAddr, devAddr string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"FLOWLINE_DATA_DIR="+dataDir, "FLOWLINE_HTTP_ADDR="+httpAddr,
		"FLOWLINE_TEMPORAL_DEV_ADDR="+devAddr, "FLOWLINE_TEMPORAL_UI_ADDR=off",
		"FLOWLINE_EGRESS_ALLOW=127.0.0.1/32", "FLOWLINE_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = testWriter{t}, testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, base: "http://" + httpAddr}
	t.Cleanup(func() { c.kill() })
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(c.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("child flowline not ready after 2 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill stops the child at once, as a crash would.
func (c *child) kill() {
	if c.cmd.ProcessState == nil {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	}
}

// TestRunSurvivesCrash kills flowline (SIGKILL) while a step is in flight,
// restarts it on the same data dir and sees the accepted run complete.
func TestRunSurvivesCrash(t *testing.T) {
	dataDir := t.TempDir()
	httpAddr, devAddr := freeAddr(t), freeAddr(t)
	hold := make(chan struct{})
	url, got := receiver(t, func(n int, r received) (int, string) {
		if n == 1 {
			<-hold // the first attempt never answers before the crash
		}
		return 200, `{"done": true}`
	})
	defer close(hold)

	first := startChild(t, dataDir, httpAddr, devAddr)
	c := client{t: t, base: first.base}
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "crash", "trigger": {"type": "manual"}, "steps": [
		{"id": "call", "type": "http", "config": {"method": "POST", "url": "%s/in-flight", "timeout": "1s",
		 "body": {"type": "json", "json": {"n": "{{ n }}"}}},
		 "retry": {"max_attempts": 10, "initial_interval": "200ms"}}]}`, url))
	runID := c.startRun(flowID, map[string]int{"n": 7})
	if r := next(t, got); r.Path != "/in-flight" {
		t.Fatalf("request %s", r.Path)
	}
	first.kill()

	second := startChild(t, dataDir, httpAddr, devAddr)
	c = client{t: t, base: second.base}
	r := next(t, got)
	if r.Path != "/in-flight" || string(r.Body) != `{"n":7}` {
		t.Errorf("after restart the receiver got %s %s", r.Path, r.Body)
	}
	d := c.waitRun(runID)
	if d.Status != "succeeded" || len(d.Steps) != 1 || d.Steps[0].Status != "succeeded" {
		t.Fatalf("run after restart: %+v", d)
	}
	var f struct {
		PublishedVersion int `json:"published_version"`
	}
	c.must(http.StatusOK, "GET", "/api/v1/flows/"+flowID, nil, &f)
	if f.PublishedVersion != 1 {
		t.Errorf("flow store lost the published version: %+v", f)
	}
}
