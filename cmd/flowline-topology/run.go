package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	sdkclient "go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// run sets the topology up, drives the load through the faults, checks the
// outcome and prints the figures. Whatever happens, the deferred steps stop
// every process and drop every database made.
func run(ctx context.Context, o options) (err error) {
	dir, err := os.MkdirTemp("", "flowline-topology-")
	if err != nil {
		return fmt.Errorf("creating work dir: %w", err)
	}
	defer func() {
		if err != nil || o.keep {
			fmt.Printf("logs and configs kept in %s\n", dir)
			return
		}
		_ = os.RemoveAll(dir)
	}()
	pg, err := openPostgres(ctx, o.postgresURL)
	if err != nil {
		return err
	}
	defer func() {
		if derr := pg.dropAll(); derr != nil {
			err = errors.Join(err, derr)
		} else {
			step("dropped databases %s", strings.Join(pg.made, ", "))
		}
	}()
	ps := &procs{dir: dir}
	defer func() {
		ps.stopAll(15 * time.Second)
		step("stopped every process")
	}()

	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	prefix := "flowline_topo_" + hex.EncodeToString(suffix)
	mainDB, visDB, storeDB := prefix+"_temporal", prefix+"_visibility", prefix+"_flows"
	dbs := []string{mainDB, visDB, storeDB}

	step("applying Temporal's PostgreSQL schemas with temporal-sql-tool to %s, %s", mainDB, visDB)
	if err := setupSchemas(ctx, o.sqlTool, o.schemaDir, pg, mainDB, visDB); err != nil {
		return err
	}
	if err := pg.create(ctx, storeDB); err != nil {
		return err
	}
	cl, err := newCluster(dir, o.temporalServer, ps, pg, mainDB, visDB)
	if err != nil {
		return err
	}
	for _, svc := range services {
		if err := cl.start(ctx, svc); err != nil {
			return err
		}
		step("temporal %s up (gRPC %d, membership %d)", svc, cl.ports[svc][0], cl.ports[svc][1])
	}
	if err := cl.registerNamespace(ctx, namespace); err != nil {
		return err
	}
	step("namespace %q registered over the frontend's HTTP API", namespace)

	tc, err := sdkclient.DialContext(ctx, sdkclient.Options{HostPort: cl.frontend(), Namespace: namespace,
		Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	if err != nil {
		return fmt.Errorf("connecting to temporal: %w", err)
	}
	defer tc.Close()
	rc, err := startReceiver()
	if err != nil {
		return err
	}
	defer rc.srv.Close()

	fl, err := startFlowline(ctx, o, ps, cl, tc, pg.url(storeDB), filepath.Join(dir, "flowline-data"))
	if err != nil {
		return err
	}
	step("flowline api and 2 workers started together on the empty flow store; all up (batch lanes %d)", o.lanes)
	eventFlow, hookFlow, err := fl.publishFlows(rc.url)
	if err != nil {
		return err
	}

	triggers := plan(o.events, o.webhooks)
	m := newMeter(ps, pg, dbs)
	if err := m.begin(ctx); err != nil {
		return err
	}
	third, twoThirds := len(triggers)/3, 2*len(triggers)/3
	var faultErr error
	step("posting %d events and %d webhooks, %d at a time", o.events, o.webhooks, o.concurrency)
	// The worker is killed once it has done some work (a workflow task
	// it completed is in a history), so that the check that both workers
	// did work tests the shared task queue, not which worker polled first.
	busy := watchWork(ctx, tc, fmt.Sprintf("FlowlineFlowId = '%s' OR FlowlineFlowId = '%s'", hookFlow, eventFlow), fl.workers[0])
	newPoster(fl.base, hookFlow).drive(ctx, triggers, o.concurrency, faults{
		third: {ready: busy, do: func(at int) {
			m.mark("worker killed")
			fl.workers[0].kill9()
			step("kill -9 %s at trigger %d (at %d or later, once it had done work)", fl.workers[0].name, at, third)
		}},
		twoThirds: {do: func(int) {
			m.mark("history killed")
			cl.services["history"].kill9()
			step("kill -9 temporal history at trigger %d; restarting it", twoThirds)
			if err := cl.start(ctx, "history"); err != nil {
				faultErr = err
				return
			}
			step("temporal history restarted")
		}},
	})
	if faultErr != nil {
		return faultErr
	}
	var accepted []string
	refused := 0
	for _, t := range triggers {
		if t.accepted {
			accepted = append(accepted, t.key)
		} else {
			refused++
			if refused <= 3 {
				step("not accepted after %d attempts: %s %s: %s", t.attempts, t.kind, t.key, t.lastErr)
			}
		}
	}
	step("posted: %d accepted, %d not accepted after 90 s of retries", len(accepted), refused)

	// A client that never saw the answer posts again with the same key:
	// the same run answers, nothing new starts.
	p := newPoster(fl.base, hookFlow)
	for i, t := range triggers {
		if i%25 != 0 || !t.accepted {
			continue
		}
		again := &trigger{kind: t.kind, key: t.key, body: t.body}
		p.post(ctx, again, 30*time.Second)
		if !again.accepted || again.run != t.run {
			return fmt.Errorf("posting %s %s again with its Idempotency-Key answered run %q (%s), want %s", t.kind, t.key, again.run, again.lastErr, t.run)
		}
	}
	step("reposted every 25th trigger with its Idempotency-Key: the same runs answered")

	if err := waitFor(ctx, 3*time.Minute, "every accepted trigger delivered", fl.workers[1], func() bool {
		return rc.missing(accepted) == 0
	}); err != nil {
		return fmt.Errorf("%w: %d of %d accepted triggers not delivered", err, rc.missing(accepted), len(accepted))
	}
	if err := m.end(ctx); err != nil {
		return err
	}
	got, noKey := rc.snapshot()
	repeats, err := checkDeliveries(triggers, got, noKey)
	if err != nil {
		return fmt.Errorf("deliveries: %w", err)
	}
	step("every accepted trigger delivered by the run the API answered (%d steps repeated after the crashes, by the same run)", repeats)

	// Runs through Temporal visibility on PostgreSQL and through the API.
	hooks, events := 0, 0
	for _, t := range triggers {
		if t.accepted && t.kind == "webhook" {
			hooks++
		} else if t.accepted {
			events++
		}
	}
	hookQuery := fmt.Sprintf("FlowlineFlowId = '%s'", hookFlow)
	eventQuery := fmt.Sprintf("FlowlineFlowId = '%s'", eventFlow)
	wantHookWorkflows, wantEventWorkflows := int64(hooks), int64(events)
	shareQuery := hookQuery
	if o.lanes > 0 {
		// Async webhooks and events are carried by batch executions, which
		// name their flow and list the run ids they carry.
		hookQuery = fmt.Sprintf("WorkflowType = 'FlowBatch' AND FlowlineFlowId = '%s'", hookFlow)
		eventQuery = fmt.Sprintf("WorkflowType = 'FlowBatch' AND FlowlineFlowId = '%s'", eventFlow)
		wantHookWorkflows, wantEventWorkflows = 1, 1
		shareQuery = hookQuery + " OR " + eventQuery
	}
	n, err := visibilityCount(ctx, tc, hookQuery, wantHookWorkflows)
	if err != nil {
		return fmt.Errorf("temporal visibility lists %d workflows for the webhook runs (%s), want %d: %w", n, hookQuery, wantHookWorkflows, err)
	}
	for _, t := range triggers {
		if t.accepted && t.kind == "webhook" {
			// An operator finds a run from a support ticket by its id.
			q := fmt.Sprintf("FlowlineRunIds = '%s'", t.run)
			if _, err := visibilityCount(ctx, tc, q, 1); err != nil {
				return fmt.Errorf("temporal visibility does not find run %s: %w", t.run, err)
			}
			break
		}
	}
	nEvents, err := visibilityCount(ctx, tc, eventQuery, wantEventWorkflows)
	if err != nil {
		return err
	}
	step("temporal visibility: %d webhook workflows; %d workflows for the events (%s)", n, nEvents, eventQuery)
	for flowID, want := range map[string]int{hookFlow: hooks, eventFlow: events} {
		// A run's outcome reaches the ledger (batched runs) or visibility
		// a moment after its delivery.
		var counts map[string]int
		var one string
		var lastErr error
		if err := waitFor(ctx, time.Minute, "runs listed as succeeded", fl.api, func() bool {
			counts, one, lastErr = apiRuns(fl, flowID)
			return lastErr == nil && counts["succeeded"] == want && len(counts) == 1
		}); err != nil {
			return fmt.Errorf("GET /api/v1/runs?flow_id=%s: %v (%v), want %d succeeded: %w", flowID, counts, lastErr, want, err)
		}
		var detail struct {
			TemporalUIURL string `json:"temporal_ui_url"`
		}
		if err := fl.call("GET", "/api/v1/runs/"+one, "", 200, &detail); err != nil {
			return err
		}
		if !strings.HasPrefix(detail.TemporalUIURL, uiURL+"/namespaces/"+namespace+"/workflows/") {
			return fmt.Errorf("run %s: temporal_ui_url %q does not use FLOWLINE_TEMPORAL_UI_URL", one, detail.TemporalUIURL)
		}
	}
	step("GET /api/v1/runs lists %d webhook and %d event runs, all succeeded; run links use FLOWLINE_TEMPORAL_UI_URL", hooks, events)
	shares, err := workerShares(ctx, tc, shareQuery, fl.workers)
	if err != nil {
		return err
	}
	for i, w := range fl.workers {
		if shares[i] == 0 {
			return fmt.Errorf("%s did no work: no workflow task or activity in the histories carries its identity", w.name)
		}
	}
	step("both workers did work: %s %d, %s %d workflow tasks and activities", fl.workers[0].name, shares[0], fl.workers[1].name, shares[1])

	m.report(triggers, got, o)
	return nil
}
