package main

import (
	"context"
	"fmt"
	"time"
)

// kindResult is what the phases of one trigger kind measured.
type kindResult struct {
	unloaded   []time.Duration
	sat        phase
	half       phase
	halfRate   float64
	accepted   int
	refusals   int64
	flows      int // deliveries during saturation, half rate and drain
	deliveries int // all deliveries of this kind
	cpuPerFlow float64
	intake     intakeCounts // what the intake did during phases 2–4
}

// measure runs the phases for one trigger kind against its receiver:
// unloaded, saturation, half rate, then waits until every accepted trigger
// was delivered exactly once. d is the length of each measured phase.
func measure(ctx context.Context, o options, srv *server, tr *trigger, rc *receiver, d time.Duration) (kindResult, error) {
	var r kindResult
	for i := 0; i < 30; i++ {
		ch, err := postAndExpect(ctx, tr, rc)
		if err != nil {
			return r, err
		}
		select {
		case lat := <-ch:
			r.unloaded = append(r.unloaded, lat)
		case <-time.After(60 * time.Second):
			return r, fmt.Errorf("unloaded %s not delivered within 60s", tr.kind)
		}
	}
	_, _, before := rc.counts()
	cpu0, err := srv.cpu()
	if err != nil {
		return r, err
	}
	intake0, err := srv.intake()
	if err != nil {
		return r, err
	}

	fmt.Printf("  saturation: %d closed loops, %s warm-up, %s measured…\n", o.concurrency, o.warmup, d)
	r.sat, err = saturate(ctx, tr, rc, o.concurrency, o.warmup, d)
	if err != nil {
		return r, fmt.Errorf("saturation phase: %w", err)
	}
	r.halfRate = max(r.sat.perSec()/2, 1)
	fmt.Printf("  half rate: %.1f/s open loop for %s…\n", r.halfRate, d)
	r.half = paced(ctx, tr, rc, r.halfRate, d)

	// Every accepted trigger must be delivered exactly once.
	tr.mu.Lock()
	r.accepted = len(tr.accepted)
	tr.mu.Unlock()
	r.refusals = tr.failures.Load()
	deadline := time.Now().Add(o.drain)
	for {
		once, dup, _ := rc.counts()
		if dup > 0 {
			return r, fmt.Errorf("EXACTLY-ONCE VIOLATED: %d %ss were delivered more than once", dup, tr.kind)
		}
		if once >= r.accepted {
			break
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("EXACTLY-ONCE VIOLATED: %d of %d accepted %ss not delivered after %s", r.accepted-once, r.accepted, tr.kind, o.drain)
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, _, after := rc.counts()
	cpu1, err := srv.cpu()
	if err != nil {
		return r, err
	}
	intake1, err := srv.intake()
	if err != nil {
		return r, err
	}
	r.intake = intake1.minus(intake0)
	r.flows, r.deliveries = after-before, after
	r.cpuPerFlow = float64((cpu1 - cpu0).Microseconds()) / 1000 / float64(r.flows)
	return r, nil
}

// print writes the detailed figures of one trigger kind.
func (r kindResult) print(name string) {
	fmt.Printf("%s:\n", name)
	fmt.Printf("accepted triggers:            %d, each delivered exactly once (API refusals: %d)\n", r.accepted, r.refusals)
	fmt.Printf("unloaded latency:             p50 %.1f ms, p99 %.1f ms (one at a time)\n", percentile(r.unloaded, 50), percentile(r.unloaded, 99))
	fmt.Printf("saturation:                   %.1f flows/s; trigger→request p50 %.1f ms, p99 %.1f ms; API answer p50 %.1f ms, p99 %.1f ms\n",
		r.sat.perSec(), percentile(r.sat.latencies, 50), percentile(r.sat.latencies, 99), percentile(r.sat.answers, 50), percentile(r.sat.answers, 99))
	fmt.Printf("half rate (%.1f/s):            trigger→request p50 %.1f ms, p99 %.1f ms; API answer p50 %.1f ms, p99 %.1f ms\n",
		r.halfRate, percentile(r.half.latencies, 50), percentile(r.half.latencies, 99), percentile(r.half.answers, 50), percentile(r.half.answers, 99))
	fmt.Printf("server CPU:                   %.2f ms per flow over %d flows\n", r.cpuPerFlow, r.flows)
	if r.intake.runs > 0 { // flowline's own counters; a baseline has none
		fmt.Printf("intake:                       %s\n", r.intake)
	}
}

// summary writes the one line of one trigger kind.
func (r kindResult) summary(name string) {
	fmt.Printf("%s %.1f flows/s; unloaded p50 %.1f ms; half rate p50 %.1f ms, p99 %.1f ms; %.2f ms CPU per flow; exactly once: %d of %d\n",
		name, r.sat.perSec(), percentile(r.unloaded, 50), percentile(r.half.latencies, 50), percentile(r.half.latencies, 99), r.cpuPerFlow, r.accepted, r.accepted)
}
