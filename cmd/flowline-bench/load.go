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

// trigger posts one kind of trigger (events, or calls to a webhook) and
// keeps what the API answered.
type trigger struct {
	kind   string // "event" or "webhook", for messages
	url    string
	keyHdr string // the header carrying each trigger's own id
	body   func(n int64) string
	client *http.Client
	next   atomic.Int64

	mu       sync.Mutex
	accepted []int64
	answers  []time.Duration
	record   bool
	failures atomic.Int64
}

func newTrigger(kind, url, keyHdr string, body func(n int64) string) *trigger {
	return &trigger{kind: kind, url: url, keyHdr: keyHdr, body: body, client: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256},
	}}
}

// eventTrigger posts events of type bench.tick to POST /api/v1/events,
// each with its own Idempotency-Key.
func eventTrigger(base string) *trigger {
	return newTrigger("event", base+"/api/v1/events", "Idempotency-Key", func(n int64) string {
		return fmt.Sprintf(`{"event_type":"bench.tick","data":{"n":%d,"sent":"%d"}}`, n, time.Now().UnixNano())
	})
}

// webhookTrigger calls POST /hooks/{flow_id}, each call with its own
// webhook-id.
func webhookTrigger(base, flowID string) *trigger {
	return newTrigger("webhook", base+"/hooks/"+flowID, "webhook-id", func(n int64) string {
		return fmt.Sprintf(`{"n":%d,"sent":"%d"}`, n, time.Now().UnixNano())
	})
}

// reserve returns the next trigger number.
func (t *trigger) reserve() int64 { return t.next.Add(1) }

// post sends trigger n with its own id header and reports an error when
// the API did not accept it.
func (t *trigger) post(ctx context.Context, n int64) error {
	req, err := http.NewRequestWithContext(ctx, "POST", t.url, bytes.NewBufferString(t.body(n)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(t.keyHdr, "bench-"+t.kind+"-"+strconv.FormatInt(n, 10))
	start := time.Now()
	resp, err := t.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return err // the phase ended while this post was in flight
		}
		t.failures.Add(1)
		return fmt.Errorf("posting %s %d: %w", t.kind, n, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusAccepted {
		t.failures.Add(1)
		return fmt.Errorf("posting %s %d: status %d", t.kind, n, resp.StatusCode)
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

// saturate runs `concurrency` closed loops, each posting a trigger and
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
					errs <- fmt.Errorf("an accepted %s was not delivered within 60s", tr.kind)
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

// postAndExpect posts one trigger and returns the channel its delivery will
// be reported on.
func postAndExpect(ctx context.Context, tr *trigger, rc *receiver) (<-chan time.Duration, error) {
	n := tr.reserve()
	ch := rc.expect(n)
	if err := tr.post(ctx, n); err != nil {
		return nil, err
	}
	return ch, nil
}

// paced posts triggers open-loop at rate per second for d and measures
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
