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
	rc, err := startReceiver(true)
	if err != nil {
		return err
	}
	defer rc.srv.Close()
	hookRC, err := startReceiver(false)
	if err != nil {
		return err
	}
	defer hookRC.srv.Close()
	fmt.Printf("machine: %d CPUs, %s/%s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("starting %s serve (embedded Temporal on SQLite)…\n", o.binary)
	srv, err := startServer(ctx, o.binary, o.serveFlags)
	if err != nil {
		return err
	}
	defer srv.stop(o.keep)
	eventFlow := `{"name": "bench", "trigger": {"type": "event", "events": ["bench.*"]},`
	if _, err := createFlow(srv.base, eventFlow, rc.url); err != nil {
		return err
	}
	hookFlow := `{"name": "bench webhook", "trigger": {"type": "webhook", "respond": "async"},`
	hookID, err := createFlow(srv.base, hookFlow, hookRC.url)
	if err != nil {
		return err
	}

	fmt.Println("events: POST /api/v1/events")
	ev, err := measure(ctx, o, srv, eventTrigger(srv.base), rc, o.duration)
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	conns, deliveries := rc.conns.Load(), ev.deliveries
	fmt.Printf("raw ceiling: plain net/http client loop against the same receiver, %d loops, 5s…\n", o.concurrency)
	raw := rawCeiling(ctx, rc.url, o.concurrency, 5*time.Second)

	fmt.Println("async webhooks: POST /hooks/{flow_id}")
	wh, err := measure(ctx, o, srv, webhookTrigger(srv.base, hookID), hookRC, o.webhookDuration)
	if err != nil {
		return fmt.Errorf("async webhooks: %w", err)
	}
	syncRC, err := startReceiver(false)
	if err != nil {
		return err
	}
	defer syncRC.srv.Close()
	syncFlow := `{"name": "bench sync webhook", "trigger": {"type": "webhook", "respond": "sync"},`
	syncID, err := createFlow(srv.base, syncFlow, syncRC.url)
	if err != nil {
		return err
	}
	fmt.Printf("sync webhooks: POST /hooks/{flow_id}, %d one at a time (a workflow per run)…\n", syncWebhookCalls)
	syncTook, err := syncAnswers(ctx, srv.base, syncID, syncWebhookCalls)
	if err != nil {
		return err
	}
	rss, err := srv.peakRSS()
	if err != nil {
		return err
	}

	fmt.Println()
	ev.print("events")
	fmt.Printf("connection reuse:             %d TCP connections to the receiver for %d event deliveries\n", conns, deliveries)
	fmt.Printf("raw net/http ceiling:         %.0f requests/s; events reach %.2f%% of it\n", raw, 100*ev.sat.perSec()/raw)
	wh.print("async webhooks")
	fmt.Printf("sync webhooks:                answer p50 %.1f ms, p99 %.1f ms (unloaded, trigger → the run's answer)\n",
		percentile(syncTook, 50), percentile(syncTook, 99))
	fmt.Printf("flowline peak RSS:            %.0f MiB\n", float64(rss)/(1<<20))
	fmt.Println()
	ev.summary("events:  ")
	wh.summary("webhooks:")
	fmt.Printf("flows_per_sec=%.1f p50_ms=%.1f p99_ms=%.1f cpu_ms_per_flow=%.2f raw_http_per_sec=%.0f\n",
		ev.sat.perSec(), percentile(ev.half.latencies, 50), percentile(ev.half.latencies, 99), ev.cpuPerFlow, raw)
	fmt.Printf("webhook_flows_per_sec=%.1f webhook_cpu_ms_per_flow=%.2f\n", wh.sat.perSec(), wh.cpuPerFlow)
	return nil
}

// createFlow creates and publishes a benchmark flow, given the start of its
// document up to its trigger: one HTTP POST to the receiver carrying the
// trigger's number and send time. It returns the flow's id.
func createFlow(base, head, receiverURL string) (string, error) {
	doc := head + fmt.Sprintf(`
		"steps": [{"id": "post", "type": "http", "config": {"method": "POST", "url": "%s/deliver",
		"body": {"type": "json", "json": {"n": "{{ n }}", "sent": "{{ sent }}"}}},
		"retry": {"max_attempts": 10, "initial_interval": "100ms"}}]}`, receiverURL)
	var f struct {
		ID string `json:"id"`
	}
	if err := call(base+"/api/v1/flows", doc, http.StatusCreated, &f); err != nil {
		return "", err
	}
	return f.ID, call(base+"/api/v1/flows/"+f.ID+"/publish", "", http.StatusOK, nil)
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
