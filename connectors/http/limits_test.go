package httpconn

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/flowline/flowline/connectors"
)

// TestRequestSizeLimits: a rendered request past a limit fails at once,
// permanently, naming its size and the limit, and nothing is sent.
func TestRequestSizeLimits(t *testing.T) {
	big := strings.Repeat("x", 5<<20)
	tests := []struct {
		name   string
		config func(base string) map[string]any
		want   string
	}{
		{"header", func(base string) map[string]any {
			return map[string]any{"url": base, "headers": map[string]any{"X-Big": big}}
		}, "rendered url and headers are 5 MiB; the limit is 64 KiB"},
		{"url", func(base string) map[string]any {
			return map[string]any{"url": base + "/?q=" + big[:100<<10]}
		}, "rendered url and headers are 100.1 KiB; the limit is 64 KiB"},
		{"query", func(base string) map[string]any {
			return map[string]any{"url": base, "query": map[string]any{"q": big[:70<<10]}}
		}, "rendered url and headers are 70.1 KiB; the limit is 64 KiB"},
		{"raw body", func(base string) map[string]any {
			return map[string]any{"method": "POST", "url": base, "body": map[string]any{"type": "raw", "raw": big}}
		}, "rendered request body is 5 MiB; the limit is 4 MiB"},
		{"json body", func(base string) map[string]any {
			return map[string]any{"method": "POST", "url": base, "body": map[string]any{"type": "json", "json": map[string]any{"a": big}}}
		}, "rendered request body is 5 MiB; the limit is 4 MiB"},
	}
	c := New(loopbackOptions())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, got := serve(t, nil)
			_, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, tc.config(srv.URL))})
			kind, _, ok := kindOf(err)
			if !ok || kind != connectors.Permanent {
				t.Fatalf("err = %v, want a permanent error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want %q", err, tc.want)
			}
			select {
			case r := <-got:
				t.Errorf("the server received %s %s", r.Method, r.Path)
			default:
			}
		})
	}
}

// TestResponseHeaderLimit: a response with huge headers fails the step
// permanently (it would be recorded with the step).
func TestResponseHeaderLimit(t *testing.T) {
	srv, got := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("y", 100<<10))
	})
	_, err := New(loopbackOptions()).Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": srv.URL})})
	next(t, got)
	kind, _, ok := kindOf(err)
	if !ok || kind != connectors.Permanent || !strings.Contains(err.Error(), "response headers are larger than the limit of 64 KiB") {
		t.Fatalf("err = %v, want a permanent error about the response headers", err)
	}
}
