package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"time"
)

func run(ctx context.Context, o options) error {
	rc, err := startReceiver()
	if err != nil {
		return err
	}
	defer rc.srv.Close()
	fmt.Printf("machine: %d CPUs, %s/%s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("starting %s serve (embedded Temporal on SQLite)…\n", o.binary)
	srv, err := startServer(ctx, o.binary)
	if err != nil {
		return err
	}
	defer srv.stop(o.keep)
	if err := createFlow(srv.base, rc.url); err != nil {
		return err
	}
	tr := newTrigger(srv.base)

	// Unloaded: one event at a time.
	var unloaded []time.Duration
	for i := 0; i < 30; i++ {
		ch, err := postAndExpect(ctx, tr, rc)
		if err != nil {
			return err
		}
		select {
		case lat := <-ch:
			unloaded = append(unloaded, lat)
		case <-time.After(60 * time.Second):
			return fmt.Errorf("unloaded event not delivered within 60s")
		}
	}
	_, _, before := rc.counts()
	cpu0, err := srv.cpu()
	if err != nil {
		return err
	}

	fmt.Printf("saturation: %d closed loops, %s warm-up, %s measured…\n", o.concurrency, o.warmup, o.duration)
	sat, err := saturate(ctx, tr, rc, o.concurrency, o.warmup, o.duration)
	if err != nil {
		return fmt.Errorf("saturation phase: %w", err)
	}
	half := sat.perSec() / 2
	if half < 1 {
		half = 1
	}
	fmt.Printf("half rate: %.1f events/s open loop for %s…\n", half, o.duration)
	hp := paced(ctx, tr, rc, half, o.duration)

	// Every accepted trigger must be delivered exactly once.
	accepted := len(tr.accepted)
	deadline := time.Now().Add(o.drain)
	for {
		once, dup, _ := rc.counts()
		if dup > 0 {
			return fmt.Errorf("EXACTLY-ONCE VIOLATED: %d events were delivered more than once", dup)
		}
		if once >= accepted {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("EXACTLY-ONCE VIOLATED: %d of %d accepted events not delivered after %s", accepted-once, accepted, o.drain)
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, _, after := rc.counts()
	cpu1, err := srv.cpu()
	if err != nil {
		return err
	}
	rss, err := srv.peakRSS()
	if err != nil {
		return err
	}
	flows := after - before
	cpuPerFlow := float64((cpu1 - cpu0).Microseconds()) / 1000 / float64(flows)

	conns := rc.conns.Load()
	fmt.Printf("raw ceiling: plain net/http client loop against the same receiver, %d loops, 5s…\n", o.concurrency)
	raw := rawCeiling(ctx, rc.url, o.concurrency, 5*time.Second)

	fmt.Println()
	fmt.Printf("accepted triggers:            %d, each delivered exactly once (API refusals: %d)\n", accepted, tr.failures.Load())
	fmt.Printf("unloaded latency:             p50 %.1f ms, p99 %.1f ms (one event at a time)\n", percentile(unloaded, 50), percentile(unloaded, 99))
	fmt.Printf("saturation:                   %.1f flows/s; trigger→request p50 %.1f ms, p99 %.1f ms; API answer p50 %.1f ms, p99 %.1f ms\n",
		sat.perSec(), percentile(sat.latencies, 50), percentile(sat.latencies, 99), percentile(sat.answers, 50), percentile(sat.answers, 99))
	fmt.Printf("half rate (%.1f/s):            trigger→request p50 %.1f ms, p99 %.1f ms; API answer p50 %.1f ms, p99 %.1f ms\n",
		half, percentile(hp.latencies, 50), percentile(hp.latencies, 99), percentile(hp.answers, 50), percentile(hp.answers, 99))
	fmt.Printf("flowline CPU:                 %.2f ms per flow over %d flows; peak RSS %.0f MiB\n", cpuPerFlow, flows, float64(rss)/(1<<20))
	fmt.Printf("connection reuse:             %d TCP connections to the receiver for %d deliveries\n", conns, after)
	fmt.Printf("raw net/http ceiling:         %.0f requests/s; flowline reaches %.2f%% of it\n", raw, 100*sat.perSec()/raw)
	fmt.Printf("flows_per_sec=%.1f p50_ms=%.1f p99_ms=%.1f cpu_ms_per_flow=%.2f raw_http_per_sec=%.0f\n",
		sat.perSec(), percentile(hp.latencies, 50), percentile(hp.latencies, 99), cpuPerFlow, raw)
	return nil
}

// createFlow creates and publishes the benchmark flow: on any bench.* event,
// one HTTP POST to the receiver carrying the event number and send time.
func createFlow(base, receiverURL string) error {
	doc := fmt.Sprintf(`{"name": "bench", "trigger": {"type": "event", "events": ["bench.*"]},
		"steps": [{"id": "post", "type": "http", "config": {"method": "POST", "url": "%s/deliver",
		"body": {"type": "json", "json": {"n": "{{ n }}", "sent": "{{ sent }}"}}},
		"retry": {"max_attempts": 10, "initial_interval": "100ms"}}]}`, receiverURL)
	var f struct {
		ID string `json:"id"`
	}
	if err := call(base+"/api/v1/flows", doc, http.StatusCreated, &f); err != nil {
		return err
	}
	return call(base+"/api/v1/flows/"+f.ID+"/publish", "", http.StatusOK, nil)
}

func call(url, body string, want int, into any) error {
	resp, err := http.Post(url, "application/json", bytes.NewBufferString(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s: status %d: %s", url, resp.StatusCode, out)
	}
	if into != nil {
		return json.Unmarshal(out, into)
	}
	return nil
}
