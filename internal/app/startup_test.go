package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowline/flowline/internal/config"
)

// TestDataDirLockAndMissingNamespace boots one serve process, then:
// a second serve on its data dir exits at once with a message naming the
// lock and the holder's pid (before, both ran and fought over the embedded
// Temporal shard); a worker pointed at that server with a namespace that
// does not exist fails with one message naming the namespace and the
// command that creates it (before, a nil-pointer panic).
func TestDataDirLockAndMissingNamespace(t *testing.T) {
	dir := t.TempDir()
	first := startServe(t, testConfig(t, dir, false))
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	second, err := Start(ctx, testConfig(t, dir, false), ModeServe, logger)
	if err == nil {
		_ = second.Shutdown(context.Background())
		t.Fatal("a second serve started on a data dir in use")
	}
	lock := filepath.Join(dir, LockFile)
	for _, want := range []string{fmt.Sprintf("in use by another flowline process (pid %d)", os.Getpid()), lock, "--data-dir"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	// The first process is untouched: its API still answers.
	c := client{t: t, base: "http://" + first.Addr()}
	if code, body := c.do("GET", "/readyz", nil); code != 200 {
		t.Fatalf("first process after the refused second: readyz %d %s", code, body)
	}

	frontend := first.cfg.TemporalDevAddr
	cfg, err := config.Parse("worker", []string{
		"--data-dir", t.TempDir(), "--temporal-address", frontend, "--temporal-namespace", "nowhere",
	}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	w, err := Start(ctx, cfg, ModeWorker, logger)
	if err == nil {
		_ = w.Shutdown(context.Background())
		t.Fatal("a worker started on a namespace that does not exist")
	}
	want := fmt.Sprintf(`temporal namespace "nowhere" (FLOWLINE_TEMPORAL_NAMESPACE, --temporal-namespace) does not exist at %s: `+
		"create it with `temporal operator namespace create --namespace nowhere --address %s`", frontend, frontend)
	if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("missing namespace: %v\nwant it to contain: %s", err, want)
	}
}

// TestDataDirLockIsReleased: the lock is released with its file (as the
// kernel does when a process dies), so a restart takes it again.
func TestDataDirLockIsReleased(t *testing.T) {
	dir := t.TempDir()
	f, err := lockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDataDir(dir); !errors.Is(err, errDataDirBusy) {
		t.Fatalf("second lock: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	g, err := lockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	_ = g.Close()
}
