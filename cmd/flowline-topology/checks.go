package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	sdkclient "go.temporal.io/sdk/client"
)

// checkDeliveries holds the product's promise: every accepted trigger was
// delivered, by the run the API answered with; a trigger delivered more than
// once was delivered by that same run (a step repeated after a crash), never
// by a second run. It returns how many deliveries were such repeats.
func checkDeliveries(triggers []*trigger, got map[string][]delivery, noKey int) (repeats int, err error) {
	var errs []error
	known := map[string]bool{}
	for _, t := range triggers {
		known[t.key] = true
		ds := got[t.key]
		if !t.accepted {
			continue // nothing was promised; a lost answer may still have started it
		}
		if len(ds) == 0 {
			errs = append(errs, fmt.Errorf("%s %s accepted as run %s but never delivered", t.kind, t.key, t.run))
		}
		for _, d := range ds {
			if d.run != t.run {
				errs = append(errs, fmt.Errorf("%s %s delivered by run %s, but the API answered run %s: a second run for one Idempotency-Key", t.kind, t.key, d.run, t.run))
			}
		}
		if len(ds) > 1 {
			repeats += len(ds) - 1
		}
	}
	for k := range got {
		if !known[k] {
			errs = append(errs, fmt.Errorf("a delivery for key %s, which was never posted", k))
		}
	}
	if noKey > 0 {
		errs = append(errs, fmt.Errorf("%d deliveries without a key", noKey))
	}
	if len(errs) > 10 {
		errs = append(errs[:10], fmt.Errorf("… and %d more", len(errs)-10))
	}
	return repeats, errors.Join(errs...)
}

// visibilityCount waits until Temporal's visibility (on PostgreSQL) counts
// want executions for query, and returns the count it last saw.
func visibilityCount(ctx context.Context, tc sdkclient.Client, query string, want int64) (int64, error) {
	var n int64
	err := waitFor(ctx, time.Minute, fmt.Sprintf("visibility to count %d for %s", want, query), nil, func() bool {
		resp, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: query})
		if err != nil {
			return false
		}
		n = resp.GetCount()
		return n >= want
	})
	return n, err
}

// watchWork polls, every 250 ms until it has seen it, whether w has
// completed work in the workflows query lists, and returns a non-blocking
// report of that.
func watchWork(ctx context.Context, tc sdkclient.Client, query string, w *proc) func() bool {
	var seen atomic.Bool
	go func() {
		for ctx.Err() == nil {
			if n, err := workerShares(ctx, tc, query, []*proc{w}); err == nil && n[0] > 0 {
				seen.Store(true)
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
	return seen.Load
}

// workerShares reads the histories of the executions query lists and
// counts, per worker process, the workflow tasks it completed and the
// activities it started (the SDK's identity begins with the pid).
func workerShares(ctx context.Context, tc sdkclient.Client, query string, workers []*proc) ([]int, error) {
	counts := make([]int, len(workers))
	var token []byte
	for {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, Query: query, PageSize: 500, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", query, err)
		}
		for _, e := range resp.GetExecutions() {
			it := tc.GetWorkflowHistory(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					return nil, fmt.Errorf("reading history of %s: %w", e.GetExecution().GetWorkflowId(), err)
				}
				identity := ev.GetWorkflowTaskCompletedEventAttributes().GetIdentity()
				if identity == "" {
					identity = ev.GetActivityTaskStartedEventAttributes().GetIdentity()
				}
				for i, w := range workers {
					if identity != "" && strings.HasPrefix(identity, fmt.Sprintf("%d@", w.cmd.Process.Pid)) {
						counts[i]++
					}
				}
			}
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return counts, nil
		}
	}
}

// apiRuns pages through GET /api/v1/runs?flow_id= and counts the runs by
// status; it also returns one run id.
func apiRuns(f *flowline, flowID string) (map[string]int, string, error) {
	counts := map[string]int{}
	var one, token string
	for {
		var page struct {
			Runs []struct {
				RunID  string `json:"run_id"`
				Status string `json:"status"`
			} `json:"runs"`
			Next string `json:"next_page_token"`
		}
		path := "/api/v1/runs?page_size=500&flow_id=" + url.QueryEscape(flowID)
		if token != "" {
			path += "&page_token=" + url.QueryEscape(token)
		}
		if err := f.call("GET", path, "", 200, &page); err != nil {
			return nil, "", err
		}
		for _, r := range page.Runs {
			counts[r.Status]++
			one = r.RunID
		}
		if token = page.Next; token == "" {
			return counts, one, nil
		}
	}
}
