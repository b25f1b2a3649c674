// Command flowline-topology runs Flowline in its production shape on one
// machine and checks it under faults: a Temporal cluster of four services
// (history, matching, frontend, worker) as separate processes persisted to
// PostgreSQL, built from the go.temporal.io/server module Flowline embeds
// (go.mod's tool dependencies), with `flowline api` and two `flowline
// worker`s on a PostgreSQL flow store. It posts events and webhooks, kills
// a worker with SIGKILL at a third of the load and Temporal's history
// service at two thirds (and restarts it), checks that every accepted
// trigger was delivered, and prints throughput, commits and memory.
//
// `make test-topology` builds the binaries and runs it. Every process and
// database it makes is removed at the end, also when a check fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	flowline, temporalServer, sqlTool, schemaDir string
	postgresURL                                  string
	events, webhooks, concurrency, lanes         int
	keep                                         bool
}

func main() {
	var o options
	flag.StringVar(&o.flowline, "flowline", "bin/flowline", "flowline binary")
	flag.StringVar(&o.temporalServer, "temporal-server", "bin/temporal-server", "Temporal server binary (go.temporal.io/server/cmd/server)")
	flag.StringVar(&o.sqlTool, "sql-tool", "bin/temporal-sql-tool", "Temporal SQL tool binary (go.temporal.io/server/cmd/tools/sql)")
	flag.StringVar(&o.schemaDir, "schema-dir", "", "Temporal's schema/postgresql/v12 directory (in the go.temporal.io/server module)")
	flag.StringVar(&o.postgresURL, "postgres-url", envOr("FLOWLINE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL to create the databases in (a role that may create databases)")
	flag.IntVar(&o.events, "events", 1000, "events to post")
	flag.IntVar(&o.webhooks, "webhooks", 200, "webhooks to post")
	flag.IntVar(&o.concurrency, "concurrency", 16, "triggers posted at once")
	flag.IntVar(&o.lanes, "batch-lanes", 2, "FLOWLINE_BATCH_LANES of the flowline processes")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory (logs, configs); databases are dropped anyway")
	flag.Parse()
	if o.schemaDir == "" {
		fmt.Fprintln(os.Stderr, "flowline-topology: --schema-dir is required (see make test-topology)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	err := run(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "\nFAIL: flowline-topology: %v (after %s)\n", err, time.Since(start).Round(time.Second))
		os.Exit(1)
	}
	fmt.Printf("\nPASS: flowline-topology (%s)\n", time.Since(start).Round(time.Second))
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// step prints a progress line with the time since the run began.
func step(format string, args ...any) {
	fmt.Printf("%s  %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}
