package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// traceFile, when FLOWLINE_BENCH_TRACE names a file, gets one line per
// recorded delivery of the events phase: event number, send time (unix ns)
// and latency (ms).
var traceFile = openTrace()

func openTrace() *os.File {
	name := os.Getenv("FLOWLINE_BENCH_TRACE")
	if name == "" {
		return nil
	}
	f, err := os.Create(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "FLOWLINE_BENCH_TRACE:", err)
		return nil
	}
	return f
}

// receiver is the loopback HTTP endpoint every benchmark flow posts to. It
// counts deliveries per trigger number and the latency from the moment the
// trigger was sent.
type receiver struct {
	srv *http.Server
	url string

	mu        sync.Mutex
	delivered map[int64]int
	waiters   map[int64]chan time.Duration
	latencies []time.Duration
	record    bool
	trace     *os.File // nil: no trace
	// conns counts the TCP connections opened to the receiver, to show
	// whether flowline reuses them.
	conns atomic.Int64
}

// startReceiver starts a receiver; with trace, its recorded deliveries go to
// FLOWLINE_BENCH_TRACE's file.
func startReceiver(trace bool) (*receiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting receiver: %w", err)
	}
	r := &receiver{url: "http://" + l.Addr().String(), delivered: map[int64]int{}, waiters: map[int64]chan time.Duration{}}
	if trace {
		r.trace = traceFile
	}
	r.srv = &http.Server{Handler: r, ConnState: func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			r.conns.Add(1)
		}
	}}
	go func() { _ = r.srv.Serve(l) }()
	return r, nil
}

// ServeHTTP records one delivery: {"n": <trigger number>, "sent": "<unix ns>"}.
// A body without n is a raw-ceiling request and is only answered.
func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var msg struct {
		N    int64  `json:"n"`
		Sent string `json:"sent"`
	}
	if json.Unmarshal(body, &msg) == nil && msg.Sent != "" {
		sent, _ := strconv.ParseInt(msg.Sent, 10, 64)
		lat := time.Since(time.Unix(0, sent))
		r.mu.Lock()
		r.delivered[msg.N]++
		if r.record {
			r.latencies = append(r.latencies, lat)
			if r.trace != nil {
				fmt.Fprintf(r.trace, "%d\t%d\t%.1f\n", msg.N, sent, float64(lat.Microseconds())/1000)
			}
		}
		ch := r.waiters[msg.N]
		delete(r.waiters, msg.N)
		r.mu.Unlock()
		if ch != nil {
			ch <- lat
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

// expect registers interest in the delivery of trigger n.
func (r *receiver) expect(n int64) <-chan time.Duration {
	ch := make(chan time.Duration, 1)
	r.mu.Lock()
	r.waiters[n] = ch
	r.mu.Unlock()
	return ch
}

// recording starts or stops keeping latencies, and returns (and clears)
// those kept so far.
func (r *receiver) recording(on bool) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.latencies
	r.latencies, r.record = nil, on
	return out
}

// counts returns how many triggers were delivered once, more than once, and
// the total deliveries.
func (r *receiver) counts() (once, dup, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.delivered {
		total += c
		if c == 1 {
			once++
		} else {
			dup++
		}
	}
	return once, dup, total
}

func (r *receiver) seen(n int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.delivered[n]
}
