package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/flowline/flowline/internal/freeport"
)

// server is a flowline serve process under measurement.
type server struct {
	cmd     *exec.Cmd
	base    string
	dataDir string
}

// freeAddr is a loopback address for the server under measurement to
// listen on (see freeport.Ports).
func freeAddr() (string, error) {
	return freeport.Addr("127.0.0.1")
}

// childPlaces makes a fresh data dir (named with prefix) and finds two
// free addresses for a server under measurement: its HTTP API and its
// Temporal frontend.
func childPlaces(prefix string) (dataDir, httpAddr, devAddr string, err error) {
	if dataDir, err = os.MkdirTemp("", prefix); err != nil {
		return "", "", "", fmt.Errorf("creating data dir: %w", err)
	}
	if httpAddr, err = freeAddr(); err != nil {
		return "", "", "", err
	}
	if devAddr, err = freeAddr(); err != nil {
		return "", "", "", err
	}
	return dataDir, httpAddr, devAddr, nil
}

// startServer starts `flowline serve` on the embedded default in a fresh
// data dir and waits until /readyz answers.
// extra flags go after the bench's own, so they may override them.
func startServer(ctx context.Context, binary string, extra []string) (*server, error) {
	dataDir, httpAddr, devAddr, err := childPlaces("flowline-bench-")
	if err != nil {
		return nil, err
	}
	level := "error"
	if v := os.Getenv("FLOWLINE_BENCH_LOG_LEVEL"); v != "" {
		level = v
	}
	args := append([]string{"serve",
		"--data-dir", dataDir, "--http-addr", httpAddr, "--temporal-dev-addr", devAddr,
		"--temporal-ui-addr", "off", "--egress-allow", "127.0.0.1/32", "--log-level", level}, extra...)
	return startProcess(exec.CommandContext(ctx, binary, args...), "http://"+httpAddr, dataDir)
}

// startProcess starts cmd, the server under measurement, whose HTTP base
// URL is base and whose data lives in dataDir, and waits until its /readyz
// answers 200.
func startProcess(cmd *exec.Cmd, base, dataDir string) (*server, error) {
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	s := &server{cmd: cmd, base: base, dataDir: dataDir}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if s.exited() {
			s.stop(false)
			return nil, fmt.Errorf("%s exited before it was ready", cmd.Path)
		}
		if time.Now().After(deadline) {
			s.stop(false)
			return nil, fmt.Errorf("%s not ready after 2 minutes", cmd.Path)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) stop(keep bool) {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	if !keep {
		_ = os.RemoveAll(s.dataDir)
	}
}

// stat returns the fields of /proc/<pid>/stat after the command name
// (which is in parentheses): the state first.
func (s *server) stat() ([]string, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return nil, fmt.Errorf("reading process stat: %w", err)
	}
	return strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:])), nil
}

// exited reports whether the process has ended (and waits to be reaped).
func (s *server) exited() bool {
	fields, err := s.stat()
	return err != nil || fields[0] == "Z"
}

// cpu returns the process's user+system CPU time so far.
func (s *server) cpu() (time.Duration, error) {
	fields, err := s.stat()
	if err != nil {
		return 0, err
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks, nil
}

// peakRSS returns the process's peak resident set size in bytes.
func (s *server) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("reading process memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", s.cmd.Process.Pid)
}
