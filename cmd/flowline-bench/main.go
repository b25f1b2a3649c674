// Command flowline-bench measures Flowline on the real path: it starts
// `flowline serve` on the embedded default (Temporal persisted to SQLite),
// triggers flows through POST /api/v1/events and then through an async
// webhook (POST /hooks/{flow_id}), each flow one HTTP POST to a loopback
// receiver, and reports for each trigger kind throughput, latency, CPU per
// flow and exactly-once delivery, and the raw net/http ceiling of the same
// receiver. `make bench` runs it.
//
// With --baseline it measures another system on the same load instead:
// bare Temporal (temporal.go: Flowline's embedded Temporal server, a
// workflow started with eager start whose one local activity does the POST)
// or Node-RED (bench/nodered, nodered.go), each in a child process whose CPU
// is measured.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

type options struct {
	binary          string
	duration        time.Duration
	webhookDuration time.Duration
	concurrency     int
	warmup          time.Duration
	drain           time.Duration
	keep            bool
	// baseline, when set, measures another system instead (see baselines).
	baseline   string
	noderedDir string
	// serveFlags are passed on to `flowline serve`.
	serveFlags stringList
}

// stringList is a flag that may be given many times.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, " ") }

// Set adds one value.
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if len(os.Args) > 1 && os.Args[1] == temporalServeCmd {
		if err := serveTemporal(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "flowline-bench:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.binary, "flowline", "bin/flowline", "the flowline binary to measure")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "length of each measured phase")
	flag.DurationVar(&o.webhookDuration, "webhook-duration", 0, "length of each measured phase for async webhooks (0: as --duration)")
	flag.IntVar(&o.concurrency, "concurrency", 32, "concurrent posters (closed loops) at saturation")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "load before measuring")
	flag.DurationVar(&o.drain, "drain", 2*time.Minute, "how long to wait for accepted runs to be delivered")
	flag.BoolVar(&o.keep, "keep", false, "keep the data dir")
	flag.StringVar(&o.baseline, "baseline", "", "measure another system on the same load instead of flowline: temporal or nodered")
	flag.StringVar(&o.noderedDir, "nodered-dir", "bench/nodered", "the Node-RED baseline's folder, after `npm ci` there")
	flag.Var(&o.serveFlags, "serve-flag", "a flag passed on to flowline serve, e.g. --serve-flag=--batch-lanes=0 (repeatable)")
	flag.Parse()
	if o.webhookDuration <= 0 {
		o.webhookDuration = o.duration
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	runner := run
	if o.baseline != "" {
		runner = runBaseline
	}
	if err := runner(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "flowline-bench:", err)
		os.Exit(1)
	}
}
