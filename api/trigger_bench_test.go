package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// benchDoc is cmd/flowline-bench's flow: one HTTP POST with a templated
// JSON body; head opens the document with its name and trigger.
func benchDoc(head string) string {
	return head + `
	  "steps": [{"id": "post", "type": "http", "config": {"method": "POST", "url": "https://receiver.example.com/deliver",
	    "body": {"type": "json", "json": {"n": "{{ n }}", "sent": "{{ sent }}"}}},
	    "retry": {"max_attempts": 10, "initial_interval": "100ms"}}]}`
}

// BenchmarkPostEvent is the API's own work per POST /events of
// cmd/flowline-bench (a real SQLite store, a fake run service): one
// subscribed flow among a few others. "key" gives each event its own
// Idempotency-Key, as the bench does (so each costs a store write);
// "no_key" leaves only what the API computes and reads.
func BenchmarkPostEvent(b *testing.B) {
	for _, withKey := range []bool{true, false} {
		name := "no_key"
		if withKey {
			name = "key"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, nil)
			e.publishedFlow(benchDoc(`{"name": "bench", "trigger": {"type": "event", "events": ["bench.*"]},`))
			e.publishedFlow(benchDoc(`{"name": "other", "trigger": {"type": "event", "events": ["order.created"]},`))
			e.publishHook(benchDoc(`{"name": "hook", "trigger": {"type": "webhook", "respond": "async"},`))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				n := strconv.Itoa(i)
				req := e.request("POST", "/api/v1/events", `{"event_type":"bench.tick","data":{"n":`+n+`,"sent":"1764690000000000000"}}`)
				if withKey {
					req.Header.Set("Idempotency-Key", "bench-event-"+n)
				}
				e.send(req).want(b, http.StatusAccepted)
			}
		})
	}
}

// BenchmarkHookAsync is the API's own work per async POST /hooks/{flow_id}
// of cmd/flowline-bench, each call with its own webhook-id.
func BenchmarkHookAsync(b *testing.B) {
	e := newEnv(b, nil)
	e.publishedFlow(benchDoc(`{"name": "bench", "trigger": {"type": "event", "events": ["bench.*"]},`))
	id := e.publishHook(benchDoc(`{"name": "hook", "trigger": {"type": "webhook", "respond": "async"},`))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		n := strconv.Itoa(i)
		req := e.request("POST", "/hooks/"+id, `{"n":`+n+`,"sent":"1764690000000000000"}`)
		req.Header.Set("webhook-id", "bench-webhook-"+n)
		if r := e.send(req); r.Code != http.StatusAccepted || !strings.Contains(r.Body.String(), `"run_id"`) {
			b.Fatalf("status = %d: %s", r.Code, r.Body.String())
		}
	}
}
