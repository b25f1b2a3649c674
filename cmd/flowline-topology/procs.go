package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one process of the topology, its output in a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}

	mu sync.Mutex
	// final holds CPU and peak RSS read just before the process was
	// killed or stopped, once /proc no longer has them.
	final *usage
}

// usage is a process's CPU time and peak resident set size.
type usage struct {
	cpu time.Duration
	rss int64
}

// procs tracks every process started, to stop them all at the end.
type procs struct {
	dir string
	mu  sync.Mutex
	all []*proc
}

// start runs bin with args and env (added to this process's environment);
// stdout and stderr go to <dir>/<name>.log. A process outlives no parent:
// if flowline-topology dies, the kernel kills it (Pdeathsig).
func (ps *procs) start(name, bin string, args, env []string) (*proc, error) {
	logPath := filepath.Join(ps.dir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating log of %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
	ps.mu.Lock()
	ps.all = append(ps.all, p)
	ps.mu.Unlock()
	return p, nil
}

// stopAll stops every process still running: SIGTERM, then SIGKILL after
// grace.
func (ps *procs) stopAll(grace time.Duration) {
	ps.mu.Lock()
	all := append([]*proc(nil), ps.all...)
	ps.mu.Unlock()
	for _, p := range all {
		p.record()
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.After(grace)
	for _, p := range all {
		select {
		case <-p.done:
		case <-deadline:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill9 records the process's usage, kills it with SIGKILL and waits.
func (p *proc) kill9() {
	p.record()
	_ = p.cmd.Process.Kill()
	<-p.done
}

// record keeps the process's usage so far, for the figures.
func (p *proc) record() {
	if p.exited() {
		return
	}
	u, err := p.usage()
	if err != nil {
		return
	}
	p.mu.Lock()
	p.final = &u
	p.mu.Unlock()
}

// usage reads CPU (utime+stime) and VmHWM from /proc, or what record kept.
func (p *proc) usage() (usage, error) {
	p.mu.Lock()
	final := p.final
	p.mu.Unlock()
	if p.exited() && final != nil {
		return *final, nil
	}
	return procUsage(p.cmd.Process.Pid)
}

// procUsage reads a process's CPU time and peak RSS from /proc.
func procUsage(pid int) (usage, error) {
	var u usage
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, fmt.Errorf("reading CPU of process %d: %w", pid, err)
	}
	// Fields after the command name, which is in parentheses.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	u.cpu = time.Duration(utime+stime) * time.Second / ticks
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, fmt.Errorf("reading memory of process %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			u.rss = kb * 1024
		}
	}
	return u, nil
}

// tail returns the last n lines of the process's log.
func (p *proc) tail(n int) string {
	raw, err := os.ReadFile(p.log)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
