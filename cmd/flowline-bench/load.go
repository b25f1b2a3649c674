package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// trigger posts events and keeps what the API answered.
type trigger struct {
	base   string
	client *http.Client
	next   atomic.Int64

	mu       sync.Mutex
	accepted []int64
	answers  []time.Duration
	record   bool
	failures atomic.Int64
}

func newTrigger(base string) *trigger {
	return &trigger{base: base, client: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256},
	}}
}

// reserve returns the next event number.
func (t *trigger) reserve() int64 { return t.next.Add(1) }

// post sends event n with its own Idempotency-Key and reports an error when
// the API did not accept it.
func (t *trigger) post(ctx context.Context, n int64) error {
	body := fmt.Sprintf(`{"event_type":"bench.tick","data":{"n":%d,"sent":"%d"}}`, n, time.Now().UnixNano())
	req, err := http.NewRequestWithContext(ctx, "POST", t.base+"/api/v1/events", bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "bench-"+strconv.FormatInt(n, 10))
	start := time.Now()
	resp, err := t.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return err // the phase ended while this post was in flight
		}
		t.failures.Add(1)
		return fmt.Errorf("posting event %d: %w", n, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusAccepted {
		t.failures.Add(1)
		return fmt.Errorf("posting event %d: status %d", n, resp.StatusCode)
	}
	t.mu.Lock()
	t.accepted = append(t.accepted, n)
	if t.record {
		t.answers = append(t.answers, took)
	}
	t.mu.Unlock()
	return nil
}

func (t *trigger) recording(on bool) []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.answers
	t.answers, t.record = nil, on
	return out
}

// phase is the outcome of one measured load phase.
type phase struct {
	completed int
	elapsed   time.Duration
	latencies []time.Duration
	answers   []time.Duration
}

func (p phase) perSec() float64 { return float64(p.completed) / p.elapsed.Seconds() }

// saturate runs `concurrency` closed loops, each posting an event and
// waiting for its delivery, so the backlog never grows past what the engine
// sustains; it measures for d after warmup.
func saturate(ctx context.Context, tr *trigger, rc *receiver, concurrency int, warmup, d time.Duration) (phase, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var completed atomic.Int64
	var measuring atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, concurrency)
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				ch, err := postAndExpect(ctx, tr, rc)
				if err != nil {
					if ctx.Err() == nil {
						errs <- err
						cancel()
					}
					return
				}
				select {
				case <-ch:
					if measuring.Load() {
						completed.Add(1)
					}
				case <-ctx.Done():
					return
				case <-time.After(60 * time.Second):
					errs <- fmt.Errorf("an accepted event was not delivered within 60s")
					cancel()
					return
				}
			}
		}()
	}
	time.Sleep(warmup)
	rc.recording(true)
	tr.recording(true)
	measuring.Store(true)
	start := time.Now()
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	elapsed := time.Since(start)
	measuring.Store(false)
	p := phase{completed: int(completed.Load()), elapsed: elapsed, latencies: rc.recording(false), answers: tr.recording(false)}
	cancel()
	wg.Wait()
	select {
	case err := <-errs:
		return p, err
	default:
	}
	return p, nil
}

// postAndExpect posts one event and returns the channel its delivery will
// be reported on.
func postAndExpect(ctx context.Context, tr *trigger, rc *receiver) (<-chan time.Duration, error) {
	n := tr.reserve()
	ch := rc.expect(n)
	if err := tr.post(ctx, n); err != nil {
		return nil, err
	}
	return ch, nil
}

// paced posts events open-loop at rate per second for d and measures
// latency under that steady load.
func paced(ctx context.Context, tr *trigger, rc *receiver, rate float64, d time.Duration) phase {
	interval := time.Duration(float64(time.Second) / rate)
	rc.recording(true)
	tr.recording(true)
	start := time.Now()
	var wg sync.WaitGroup
	tick := time.NewTicker(interval)
	defer tick.Stop()
	sent := 0
	for time.Since(start) < d && ctx.Err() == nil {
		<-tick.C
		wg.Add(1)
		sent++
		go func() { defer wg.Done(); _ = tr.post(ctx, tr.reserve()) }()
	}
	wg.Wait()
	// Give the last ones time to arrive before reading latencies.
	time.Sleep(2 * time.Second)
	return phase{completed: sent, elapsed: time.Since(start), latencies: rc.recording(false), answers: tr.recording(false)}
}

// rawCeiling drives the receiver with a plain net/http client loop.
func rawCeiling(ctx context.Context, url string, concurrency int, d time.Duration) float64 {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	var count atomic.Int64
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	body := []byte(`{"raw":true}`)
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "POST", url+"/raw", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				count.Add(1)
			}
		}()
	}
	start := time.Now()
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds()
}

// percentile returns the p-th percentile (0–100) of ds in milliseconds.
func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p / 100)
	return float64(s[i].Microseconds()) / 1000
}
