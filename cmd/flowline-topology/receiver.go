package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// delivery is one request a flow's step made to the receiver.
type delivery struct {
	run     string
	at      time.Time
	latency time.Duration
}

// receiver is the HTTP endpoint both flows post to. It keeps every
// delivery by trigger key.
type receiver struct {
	srv *http.Server
	url string

	mu     sync.Mutex
	byKey  map[string][]delivery
	noKey  int
	notify chan struct{}
}

func startReceiver() (*receiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting receiver: %w", err)
	}
	r := &receiver{url: "http://" + l.Addr().String(), byKey: map[string][]delivery{}, notify: make(chan struct{}, 1)}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(l) }()
	return r, nil
}

// ServeHTTP records {"key", "run", "sent"} and answers 200.
func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var msg struct {
		Key  string `json:"key"`
		Run  string `json:"run"`
		Sent string `json:"sent"`
	}
	now := time.Now()
	r.mu.Lock()
	if json.Unmarshal(body, &msg) != nil || msg.Key == "" {
		r.noKey++
	} else {
		sent, _ := strconv.ParseInt(msg.Sent, 10, 64)
		r.byKey[msg.Key] = append(r.byKey[msg.Key], delivery{run: msg.Run, at: now, latency: now.Sub(time.Unix(0, sent))})
	}
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

// snapshot copies the deliveries so far.
func (r *receiver) snapshot() (map[string][]delivery, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]delivery, len(r.byKey))
	for k, v := range r.byKey {
		out[k] = append([]delivery(nil), v...)
	}
	return out, r.noKey
}

// missing counts the keys not delivered yet.
func (r *receiver) missing(keys []string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, k := range keys {
		if len(r.byKey[k]) == 0 {
			n++
		}
	}
	return n
}
