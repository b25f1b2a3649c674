package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// intakeCounts are flowline's intake counters (its /metrics): ledger
// transactions, batch signals and the runs those signals carried.
type intakeCounts struct {
	commits, signals, runs float64
}

// intake reads the intake counters from the server's /metrics.
func (s *server) intake() (intakeCounts, error) {
	var c intakeCounts
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		return c, fmt.Errorf("reading /metrics: %w", err)
	}
	defer resp.Body.Close()
	fields := map[string]*float64{
		"flowline_intake_commits_total": &c.commits,
		"flowline_intake_signals_total": &c.signals,
		"flowline_intake_runs_total":    &c.runs,
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if f := fields[name]; ok && f != nil {
			if *f, err = strconv.ParseFloat(value, 64); err != nil {
				return c, fmt.Errorf("reading %s from /metrics: %w", name, err)
			}
		}
	}
	return c, sc.Err()
}

// minus is what the counters grew by since before.
func (c intakeCounts) minus(before intakeCounts) intakeCounts {
	return intakeCounts{commits: c.commits - before.commits, signals: c.signals - before.signals, runs: c.runs - before.runs}
}

// String gives runs per signal and per ledger transaction.
func (c intakeCounts) String() string {
	per := func(n float64) float64 {
		if n == 0 {
			return 0
		}
		return c.runs / n
	}
	return fmt.Sprintf("%.2f runs per signal, %.2f per ledger transaction (%.0f runs)", per(c.signals), per(c.commits), c.runs)
}
