package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// trigger is one event or webhook the load posts, under its own
// Idempotency-Key, retried with that key until the API accepts it.
type trigger struct {
	kind     string // "event" or "webhook"
	key      string
	body     string
	sent     time.Time
	accepted bool
	run      string // the run the API answered with
	attempts int
	lastErr  string
}

// plan lays out the triggers: a webhook every total/webhooks triggers,
// events in between.
func plan(events, webhooks int) []*trigger {
	total := events + webhooks
	every := total + 1
	if webhooks > 0 {
		every = total / webhooks
	}
	out := make([]*trigger, 0, total)
	w := 0
	for i := range total {
		kind := "event"
		if w < webhooks && (i+1)%every == 0 {
			kind = "webhook"
			w++
		}
		out = append(out, &trigger{kind: kind, key: fmt.Sprintf("topo-%s-%d", kind, i)})
	}
	return out
}

// poster posts triggers to the API.
type poster struct {
	base     string
	hookFlow string
	client   *http.Client
}

func newPoster(base, hookFlow string) *poster {
	return &poster{base: base, hookFlow: hookFlow, client: &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64},
	}}
}

// post sends t until the API accepts it (202) or give-up passes, always
// with the same Idempotency-Key and body, as a client retrying would.
func (p *poster) post(ctx context.Context, t *trigger, giveUp time.Duration) {
	if t.body == "" {
		t.sent = time.Now()
		sent := fmt.Sprintf("%d", t.sent.UnixNano())
		if t.kind == "event" {
			t.body = fmt.Sprintf(`{"event_type": "topo.tick", "data": {"key": %q, "sent": %q}}`, t.key, sent)
		} else {
			t.body = fmt.Sprintf(`{"key": %q, "sent": %q}`, t.key, sent)
		}
	}
	deadline := time.Now().Add(giveUp)
	backoff := 250 * time.Millisecond
	for ctx.Err() == nil {
		t.attempts++
		run, err := p.once(ctx, t)
		if err == nil {
			t.accepted, t.run = true, run
			return
		}
		t.lastErr = err.Error()
		if time.Now().After(deadline) {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// once posts t one time and returns the run id of a 202.
func (p *poster) once(ctx context.Context, t *trigger) (string, error) {
	url := p.base + "/api/v1/events"
	if t.kind == "webhook" {
		url = p.base + "/hooks/" + p.hookFlow
	}
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewBufferString(t.body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", t.key)
	resp, err := p.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(out))
	}
	var ans struct {
		RunID string `json:"run_id"`
		Runs  []struct {
			RunID string `json:"run_id"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &ans); err != nil {
		return "", fmt.Errorf("decoding the answer: %w", err)
	}
	if t.kind == "event" {
		if len(ans.Runs) != 1 {
			return "", fmt.Errorf("event started %d runs, want 1: %s", len(ans.Runs), out)
		}
		return ans.Runs[0].RunID, nil
	}
	return ans.RunID, nil
}

// fault is something done to the topology during the load: do, once
// ready says it may (nil: at once).
type fault struct {
	ready func() bool
	do    func(at int) // at: the index of the trigger it came before
}

// faults are what happens at points of the load: index → fault.
type faults map[int]fault

// readyPatience bounds how long a fault waits for ready once the load has
// been handed out; then it happens all the same.
const readyPatience = 30 * time.Second

// drive posts every trigger with concurrency posters, running each fault
// before the trigger at its index is handed out, or before a later one
// when it is not ready yet (the load goes on meanwhile).
func (p *poster) drive(ctx context.Context, triggers []*trigger, concurrency int, at faults) {
	work := make(chan *trigger)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for t := range work {
				p.post(ctx, t, 90*time.Second)
			}
		})
	}
	var due []fault
	for i, t := range triggers {
		if f, ok := at[i]; ok {
			due = append(due, f)
		}
		due = fireReady(due, i)
		select {
		case work <- t:
		case <-ctx.Done():
		}
	}
	for deadline := time.Now().Add(readyPatience); len(due) > 0 && time.Now().Before(deadline) && ctx.Err() == nil; {
		if due = fireReady(due, len(triggers)); len(due) > 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, f := range due {
		f.do(len(triggers))
	}
	close(work)
	wg.Wait()
}

// fireReady runs the faults that are ready, before trigger at, and
// returns the others.
func fireReady(due []fault, at int) []fault {
	left := due[:0]
	for _, f := range due {
		if f.ready == nil || f.ready() {
			f.do(at)
			continue
		}
		left = append(left, f)
	}
	return left
}
