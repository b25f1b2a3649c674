package app

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestRetryAfterHonoured runs a step whose retry waits 30 s at first
// against a receiver that answers 429 with Retry-After: 1 once, then 200:
// the second attempt must come when the receiver asked, not 30 s later.
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, t.TempDir(), false)
	a := startServe(t, cfg)
	c := client{t: t, base: "http://" + a.Addr()}

	var mu sync.Mutex
	var times []time.Time
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		n := len(times)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok": true}`))
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	flowID := c.publishFlow(fmt.Sprintf(`{"name": "retry-after", "trigger": {"type": "manual"}, "steps": [
		{"id": "call", "type": "http", "config": {"method": "POST", "url": "http://%s/limited"},
		 "retry": {"max_attempts": 3, "initial_interval": "30s"}}]}`, l.Addr()))
	d := c.waitRun(c.startRun(flowID, map[string]any{}))
	if d.Status != "succeeded" || len(d.Steps) != 1 {
		t.Fatalf("run %+v", d)
	}
	if at := d.Steps[0].Attempts; len(at) != 2 || at[0].StatusCode != 429 || at[1].StatusCode != 200 {
		t.Errorf("attempts %+v, want 429 then 200", at)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("the receiver got %d requests, want 2", len(times))
	}
	gap := times[1].Sub(times[0])
	if gap >= 15*time.Second {
		t.Errorf("the second attempt came %v after the first: Retry-After: 1 was not honoured", gap)
	}
	if gap < 900*time.Millisecond {
		t.Errorf("the second attempt came %v after the first, before Retry-After: 1 allowed", gap)
	}
}
