package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flowline/flowline/engine"
)

// intakeMetrics is a registry for /metrics holding the run service's
// intake counters (the API adds its own metrics to it): runs per signal
// and per ledger transaction are what batching shares its work by.
func intakeMetrics(runs *engine.Service) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	counter := func(name, help string, read func(engine.IntakeStats) int64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(read(runs.IntakeStats())) }))
	}
	counter("flowline_intake_commits_total", "Ledger transactions that recorded batched runs at intake.",
		func(s engine.IntakeStats) int64 { return s.Commits })
	counter("flowline_intake_signals_total", "Signals that handed runs to batch workflow executions.",
		func(s engine.IntakeStats) int64 { return s.Signals })
	counter("flowline_intake_runs_total", "Runs handed to batch workflow executions by those signals.",
		func(s engine.IntakeStats) int64 { return s.Runs })
	return reg
}
