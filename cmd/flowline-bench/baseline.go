package main

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// baselines are the systems other than Flowline that --baseline measures
// on the same load: one trigger, one HTTP POST of a templated JSON body to
// the receiver.
var baselines = map[string]string{
	"temporal": "bare Temporal (embedded server on SQLite WAL, eager start, one local activity)",
	"nodered":  "Node-RED (in memory, nothing durable)",
}

// runBaseline measures one baseline: it starts it as a child process, posts
// triggers to its POST /trigger (answered 202) and runs the phases the
// Flowline events are measured with, the CPU being the child's.
func runBaseline(ctx context.Context, o options) error {
	name, ok := baselines[o.baseline]
	if !ok {
		return fmt.Errorf("unknown --baseline %q (temporal or nodered)", o.baseline)
	}
	rc, err := startReceiver(true)
	if err != nil {
		return err
	}
	defer rc.srv.Close()
	fmt.Printf("machine: %d CPUs, %s/%s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("starting %s…\n", name)
	var srv *server
	if o.baseline == "temporal" {
		srv, err = startTemporalBaseline(ctx, rc.url)
	} else {
		srv, err = startNodeRED(ctx, o.noderedDir, rc.url)
	}
	if err != nil {
		return err
	}
	defer srv.stop(o.keep)

	tr := newTrigger(o.baseline, srv.base+"/trigger", "Idempotency-Key", func(n int64) string {
		return fmt.Sprintf(`{"n":%d,"sent":"%d"}`, n, time.Now().UnixNano())
	})
	fmt.Println(o.baseline + ": POST /trigger")
	r, err := measure(ctx, o, srv, tr, rc, o.duration)
	if err != nil {
		return fmt.Errorf("%s: %w", o.baseline, err)
	}
	rss, err := srv.peakRSS()
	if err != nil {
		return err
	}
	fmt.Println()
	r.print(name)
	fmt.Printf("connection reuse:             %d TCP connections to the receiver for %d deliveries\n", rc.conns.Load(), r.deliveries)
	fmt.Printf("peak RSS:                     %.0f MiB\n", float64(rss)/(1<<20))
	fmt.Println()
	r.summary(o.baseline + ":")
	fmt.Printf("baseline=%s flows_per_sec=%.1f p50_ms=%.1f p99_ms=%.1f cpu_ms_per_flow=%.2f\n",
		o.baseline, r.sat.perSec(), percentile(r.half.latencies, 50), percentile(r.half.latencies, 99), r.cpuPerFlow)
	return nil
}
